/**
 * iproute2's JSON output (lib/json_writer.c), byte for byte: compact with -j, and with -j -p its
 * peculiar pretty form (`[ {`, four-space indents, `},{`, `[ "a","b" ]`). Objects keep the order
 * their keys were added in, which is the order ip prints fields.
 */

export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };

function escape(s: string): string {
  let out = '"';
  for (const c of s) {
    switch (c) {
      case "\t": out += "\\t"; break;
      case "\n": out += "\\n"; break;
      case "\r": out += "\\r"; break;
      case "\f": out += "\\f"; break;
      case "\b": out += "\\b"; break;
      case "\\": out += "\\\\"; break;
      case '"': out += '\\"'; break;
      default: out += c;
    }
  }
  return out + '"';
}

/** A port of json_writer: `sep` is the separator owed before the next value. */
class Writer {
  out = "";
  depth = 0;
  sep = "";
  constructor(readonly pretty: boolean) {}

  private eol(): void {
    if (!this.pretty) return;
    this.out += "\n" + "    ".repeat(this.depth);
  }

  private eor(): void {
    this.out += this.sep;
    this.sep = ",";
  }

  private begin(c: string): void {
    this.eor();
    this.out += c;
    this.depth++;
    this.sep = "";
  }

  private end(c: string): void {
    this.depth--;
    if (this.sep !== "") this.eol();
    this.out += c;
    this.sep = ",";
  }

  name(key: string): void {
    this.eor();
    this.eol();
    this.sep = "";
    this.out += escape(key) + ":" + (this.pretty ? " " : "");
  }

  value(v: JsonValue): void {
    if (Array.isArray(v)) {
      this.begin("[");
      if (this.pretty) this.out += " ";
      for (const e of v) this.value(e);
      if (this.pretty && this.sep !== "") this.out += " ";
      this.sep = "";
      this.end("]");
    } else if (v !== null && typeof v === "object") {
      this.begin("{");
      for (const [k, e] of Object.entries(v)) {
        this.name(k);
        this.value(e);
      }
      this.end("}");
    } else {
      this.eor();
      this.out += typeof v === "string" ? escape(v) : v === null ? "null" : String(v);
    }
  }
}

/** The text `ip -j [-p]` prints for `value`, newline included. */
export function ipJson(value: JsonValue, pretty: boolean): string {
  const w = new Writer(pretty);
  w.value(value);
  return w.out + "\n";
}
