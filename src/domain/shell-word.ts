/**
 * A word as a POSIX shell passes it on unchanged: bare when it has nothing the shell reads, else in
 * single quotes. For the commands the CLI suggests, so one pasted runs as printed.
 */
export function shellWord(word: string): string {
  return /^[A-Za-z0-9_.,:/@%+=-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}
