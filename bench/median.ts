/**
 * The median of a benchmark's rounds (the mean of the two middle values for
 * an even count), shared by the benchmarks that repeat their cases.
 */
export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}
