/** `ip link help`. */
export const LINK_USAGE = `Usage: ip link add [link DEV] [ name ] NAME
		    [ txqueuelen PACKETS ]
		    [ address LLADDR ]
		    [ mtu MTU ]
		    type TYPE [ ARGS ]

	ip link delete { DEVICE | dev DEVICE } type TYPE [ ARGS ]

	ip link set { DEVICE | dev DEVICE }
			[ { up | down } ]
			[ arp { on | off } ]
			[ multicast { on | off } ]
			[ allmulticast { on | off } ]
			[ promisc { on | off } ]
			[ name NEWNAME ]
			[ address LLADDR ]
			[ mtu MTU ]
			[ netns NAME ]
			[ txqueuelen PACKETS ]
			[ alias NAME ]

	ip link show [ DEVICE ] [ up ] [ type TYPE ]

	ip link help [ TYPE ]

TYPE := { etun | veth | snull | ... (the loaded modules' link kinds) }
`;
