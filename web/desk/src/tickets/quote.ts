/** Splits an email's text into what the customer wrote and the quoted history under it. */
const ATTRIBUTION = /^(On .{3,200} wrote:|Le .{3,200} a écrit\s?:|Am .{3,200} schrieb .*:|-{2,}\s*Original Message\s*-{2,}|From: .+)$/i;

export function splitQuoted(text: string): [string, string] {
  const lines = text.split("\n");
  for (let i = 1; i < lines.length; i++) {
    const line = lines[i].trim();
    if (ATTRIBUTION.test(line)) return [lines.slice(0, i).join("\n").trimEnd(), lines.slice(i).join("\n")];
    // A trailing block of "> " lines with nothing of theirs after it.
    if (line.startsWith(">") && lines.slice(i).every((l) => !l.trim() || l.trim().startsWith(">"))) {
      return [lines.slice(0, i).join("\n").trimEnd(), lines.slice(i).join("\n")];
    }
  }
  return [text, ""];
}
