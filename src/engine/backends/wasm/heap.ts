// Block allocator for the WASM linear memory (sizes are the backend's 16-byte-multiple size
// classes). Free blocks are kept in address order, allocation is best fit with splitting, and a
// freed block merges with free neighbours (and with the unused top), so a training step whose
// temporaries change size from op to op reuses the same bytes instead of keeping a free list per
// size: per-class lists never give a block to another size and the heap only grows.
export class Heap {
  /** First byte past the highest block in use or free. */
  top: number;
  /** Highest `top` ever reached (the memory the heap needed). */
  high: number;
  /** Bytes in live blocks now, and their most (the floor `high` could reach without fragmentation). */
  used = 0;
  peakUsed = 0;
  private readonly starts: number[] = [];
  private readonly sizes: number[] = [];

  constructor(base: number) {
    this.top = base;
    this.high = base;
  }

  /** Address of a block of `size` bytes; `top` may rise (the caller grows the memory to it). */
  alloc(size: number): number {
    this.used += size;
    if (this.used > this.peakUsed) this.peakUsed = this.used;
    let best = -1;
    for (let i = 0; i < this.sizes.length; i++) {
      const s = this.sizes[i];
      if (s >= size && (best < 0 || s < this.sizes[best])) {
        best = i;
        if (s === size) break;
      }
    }
    if (best >= 0) {
      const ptr = this.starts[best];
      if (this.sizes[best] === size) {
        this.starts.splice(best, 1);
        this.sizes.splice(best, 1);
      } else {
        this.starts[best] += size;
        this.sizes[best] -= size;
      }
      return ptr;
    }
    // No free block fits: new bytes at the top (no free block ends there: free() gives those back to it).
    const ptr = this.top;
    this.top = ptr + size;
    if (this.top > this.high) this.high = this.top;
    return ptr;
  }

  free(ptr: number, size: number): void {
    this.used -= size;
    // insertion point: first free block above ptr
    let lo = 0,
      hi = this.starts.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.starts[mid] < ptr) lo = mid + 1;
      else hi = mid;
    }
    let start = ptr,
      end = ptr + size,
      i = lo;
    if (i > 0 && this.starts[i - 1] + this.sizes[i - 1] === start) {
      i--;
      start = this.starts[i];
      this.starts.splice(i, 1);
      this.sizes.splice(i, 1);
    }
    if (i < this.starts.length && this.starts[i] === end) {
      end += this.sizes[i];
      this.starts.splice(i, 1);
      this.sizes.splice(i, 1);
    }
    if (end === this.top) {
      this.top = start;
      return;
    }
    this.starts.splice(i, 0, start);
    this.sizes.splice(i, 0, end - start);
  }

  /** Free blocks (for tests): [start, size] in address order. */
  freeBlocks(): [number, number][] {
    return this.starts.map((s, i) => [s, this.sizes[i]]);
  }
}
