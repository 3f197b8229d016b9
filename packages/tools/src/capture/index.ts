export {
  LINKTYPE_ETHERNET,
  PCAP_MAGIC,
  PCAP_MAGIC_KUZNETZOV,
  PCAP_MAGIC_NANOS,
  PCAP_MAX_SNAPLEN,
  PCAP_VERSION_MAJOR,
  PCAP_VERSION_MINOR,
  PcapFormatError,
  PcapWriter,
  readPcap,
  type PcapFile,
  type PcapRecord,
  type PcapWriterOptions,
} from "./pcap.js";
export {
  compileFilter,
  FilterSyntaxError,
  PCAP_NETMASK_UNKNOWN,
  type FilterOptions,
  type FrameFilter,
} from "./filter.js";
