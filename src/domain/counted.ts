/** A count with its noun in the right number: "1 attempt", "3 attempts", "0 attempts". */
export function counted(n: number, one: string, many = `${one}s`): string {
  return `${n} ${n === 1 ? one : many}`;
}
