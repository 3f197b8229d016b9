/** Colours for the CLI: node:util styleText, only on a terminal and never with NO_COLOR. */
import { styleText } from "node:util";

type Style = Parameters<typeof styleText>[0];

export function colorEnabled(stream: NodeJS.WriteStream): boolean {
  const env = process.env;
  if (env["NO_COLOR"] !== undefined && env["NO_COLOR"] !== "") return false;
  if (env["FORCE_COLOR"] !== undefined && env["FORCE_COLOR"] !== "0") return true;
  return stream.isTTY === true && env["TERM"] !== "dumb";
}

/** `text` in `style` when the stream takes colours, else as it is. */
export function paint(stream: NodeJS.WriteStream, style: Style, text: string): string {
  return colorEnabled(stream) ? styleText(style, text) : text;
}
