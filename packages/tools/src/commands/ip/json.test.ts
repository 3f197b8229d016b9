import { describe, expect, it } from "vitest";
import { ipJson } from "./json.js";

describe("ipJson", () => {
  const value = [
    { ifindex: 1, ifname: "lo", flags: ["LOOPBACK", "UP"], linkinfo: { info_kind: "veth" }, addr_info: [], empty: {}, link: null },
    { ifindex: 2, addr_info: [{ family: "inet", local: "10.0.0.1" }] },
  ];

  it("prints compact JSON as -j does", () => {
    expect(ipJson(value, false)).toBe(
      '[{"ifindex":1,"ifname":"lo","flags":["LOOPBACK","UP"],"linkinfo":{"info_kind":"veth"},"addr_info":[],"empty":{},"link":null},' +
        '{"ifindex":2,"addr_info":[{"family":"inet","local":"10.0.0.1"}]}]\n',
    );
  });

  it("prints iproute2's pretty layout with -j -p", () => {
    expect(ipJson(value, true)).toBe(`[ {
        "ifindex": 1,
        "ifname": "lo",
        "flags": [ "LOOPBACK","UP" ],
        "linkinfo": {
            "info_kind": "veth"
        },
        "addr_info": [ ],
        "empty": {},
        "link": null
    },{
        "ifindex": 2,
        "addr_info": [ {
                "family": "inet",
                "local": "10.0.0.1"
            } ]
    } ]
`);
    expect(ipJson([], true)).toBe("[ ]\n");
  });

  it("escapes strings as json_writer does", () => {
    expect(ipJson(['a"b\\c\n\t'], false)).toBe('["a\\"b\\\\c\\n\\t"]\n');
  });
});
