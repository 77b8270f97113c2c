/**
 * The little dense linear algebra the bandit needs, on plain arrays so models stay JSON: matrices are
 * row-major `number[][]`, small (one row and column per context feature), symmetric positive definite
 * where a factorization is asked for.
 */
export type Vector = number[];
export type Matrix = number[][];

export function identity(n: number, scale = 1): Matrix {
  return Array.from({ length: n }, (_, i) => Array.from({ length: n }, (_, j) => (i === j ? scale : 0)));
}

export function zeros(n: number): Vector {
  return new Array<number>(n).fill(0);
}

export function dot(a: readonly number[], b: readonly number[]): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i]! * b[i]!;
  return s;
}

/** a + s·b, a new vector. */
export function addScaled(a: readonly number[], b: readonly number[], s: number): Vector {
  return a.map((x, i) => x + s * b[i]!);
}

/** m + s·x·xᵀ in place: one observation added to a precision matrix. */
export function addOuterInPlace(m: Matrix, x: readonly number[], s = 1): void {
  for (let i = 0; i < x.length; i++) {
    const row = m[i]!;
    for (let j = 0; j < x.length; j++) row[j] = row[j]! + s * x[i]! * x[j]!;
  }
}

export function matVec(m: Matrix, x: readonly number[]): Vector {
  return m.map((row) => dot(row, x));
}

/**
 * The lower-triangular L with L·Lᵀ = a. A pivot that is not positive (a not positive definite, or
 * rounding on a nearly singular one) throws: the caller's prior keeps its matrices well away from that.
 */
export function cholesky(a: Matrix): Matrix {
  const n = a.length;
  const l: Matrix = Array.from({ length: n }, () => zeros(n));
  for (let i = 0; i < n; i++) {
    for (let j = 0; j <= i; j++) {
      let s = a[i]![j]!;
      for (let k = 0; k < j; k++) s -= l[i]![k]! * l[j]![k]!;
      if (i === j) {
        if (!(s > 0)) throw new Error(`cholesky: matrix not positive definite (pivot ${i} is ${s})`);
        l[i]![i] = Math.sqrt(s);
      } else {
        l[i]![j] = s / l[j]![j]!;
      }
    }
  }
  return l;
}

/** y with L·y = b, L lower-triangular. */
export function forwardSubstitute(l: Matrix, b: readonly number[]): Vector {
  const y = zeros(b.length);
  for (let i = 0; i < b.length; i++) {
    let s = b[i]!;
    for (let k = 0; k < i; k++) s -= l[i]![k]! * y[k]!;
    y[i] = s / l[i]![i]!;
  }
  return y;
}

/** x with Lᵀ·x = y, L lower-triangular. */
export function backSubstituteTransposed(l: Matrix, y: readonly number[]): Vector {
  const n = y.length;
  const x = zeros(n);
  for (let i = n - 1; i >= 0; i--) {
    let s = y[i]!;
    for (let k = i + 1; k < n; k++) s -= l[k]![i]! * x[k]!;
    x[i] = s / l[i]![i]!;
  }
  return x;
}

/** x with a·x = b, from a's Cholesky factor. */
export function choleskySolve(l: Matrix, b: readonly number[]): Vector {
  return backSubstituteTransposed(l, forwardSubstitute(l, b));
}
