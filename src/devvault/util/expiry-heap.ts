/** Expiry bookkeeping shared by the lease registry and the token store. */

/** A min-heap of (expireTime, id); renewals push a new node and stale nodes are skipped. */
export class ExpiryHeap {
  private nodes: { at: number; id: string }[] = [];

  push(at: number, id: string): void {
    const n = this.nodes;
    n.push({ at, id });
    let i = n.length - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (n[p].at <= n[i].at) break;
      [n[p], n[i]] = [n[i], n[p]];
      i = p;
    }
  }

  peek(): { at: number; id: string } | undefined {
    return this.nodes[0];
  }

  pop(): void {
    const n = this.nodes;
    const last = n.pop();
    if (n.length === 0 || last === undefined) return;
    n[0] = last;
    let i = 0;
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let m = i;
      if (l < n.length && n[l].at < n[m].at) m = l;
      if (r < n.length && n[r].at < n[m].at) m = r;
      if (m === i) break;
      [n[m], n[i]] = [n[i], n[m]];
      i = m;
    }
  }
}
