// The recorded graph as a navigable layered diagram (SVG): one box per
// tensor (op, shape, gradient norm), arrows from inputs (above) to consumers
// (below); row = longest path from a leaf. Nodes are focusable; arrow keys
// walk the graph (up: an input, down: a consumer, left/right: neighbours in
// the same row).
import type { GraphNodeView } from './protocol.ts';

const NS = 'http://www.w3.org/2000/svg';
const BOX_W = 200,
  BOX_H = 54,
  COL = 220,
  ROW = 84,
  PAD = 16;

function fmtNorm(v: number | null): string {
  if (v === null) return 'no gradient';
  return v === 0 ? '0' : Math.abs(v) < 1e-3 || Math.abs(v) >= 1e4 ? v.toExponential(2) : v.toPrecision(4);
}

export function renderGraph(host: HTMLElement, detail: HTMLElement, nodes: GraphNodeView[]): void {
  host.textContent = '';
  const byId = new Map(nodes.map((n) => [n.id, n]));
  const depth = new Map<number, number>();
  for (const n of nodes)
    depth.set(n.id, n.inputs.length ? Math.max(...n.inputs.map((i) => (depth.get(i) ?? 0) + 1)) : 0);
  const consumers = new Map<number, number[]>();
  for (const n of nodes) for (const i of n.inputs) consumers.set(i, [...(consumers.get(i) ?? []), n.id]);
  // a leaf (input, parameter) sits in the row just above its first consumer, so its edge stays short
  for (const n of nodes)
    if (!n.inputs.length && consumers.has(n.id))
      depth.set(n.id, Math.max(0, Math.min(...consumers.get(n.id)!.map((c) => depth.get(c)!)) - 1));
  const rows: number[][] = [];
  for (const n of nodes) (rows[depth.get(n.id)!] ??= []).push(n.id);
  const widest = Math.max(...rows.map((r) => r.length));
  const pos = new Map<number, { x: number; y: number }>();
  // centre each row under the widest one
  rows.forEach((ids, r) =>
    ids.forEach((id, c) => pos.set(id, { x: PAD + ((widest - ids.length) / 2 + c) * COL, y: PAD + r * ROW })),
  );
  const width = PAD * 2 + (widest - 1) * COL + BOX_W;
  const height = PAD * 2 + (rows.length - 1) * ROW + BOX_H;

  const svg = document.createElementNS(NS, 'svg');
  svg.setAttribute('width', String(width));
  svg.setAttribute('height', String(height));
  svg.setAttribute('role', 'group');
  svg.innerHTML = `<defs><marker id="arrow" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse"><path d="M 0 0 L 10 5 L 0 10 z" fill="#9aa3ae"/></marker></defs>`;
  const edges: { el: SVGPathElement; from: number; to: number }[] = [];
  for (const n of nodes)
    for (const i of n.inputs) {
      const a = pos.get(i)!,
        b = pos.get(n.id)!;
      const p = document.createElementNS(NS, 'path');
      const x1 = a.x + BOX_W / 2,
        y1 = a.y + BOX_H,
        x2 = b.x + BOX_W / 2,
        y2 = b.y;
      p.setAttribute('d', `M ${x1} ${y1} C ${x1} ${y1 + 24}, ${x2} ${y2 - 24}, ${x2} ${y2}`);
      p.setAttribute('class', 'edge');
      svg.appendChild(p);
      edges.push({ el: p, from: i, to: n.id });
    }
  const maxNorm = Math.max(1e-30, ...nodes.map((n) => n.gradNorm ?? 0));
  const els = new Map<number, SVGGElement>();
  for (const n of nodes) {
    const { x, y } = pos.get(n.id)!;
    const g = document.createElementNS(NS, 'g');
    g.setAttribute('class', 'node');
    g.setAttribute('tabindex', '0');
    g.setAttribute('role', 'button');
    g.setAttribute('data-id', String(n.id));
    g.setAttribute(
      'aria-label',
      `${n.op} ${n.name ?? ''} shape [${n.shape.join(', ')}], gradient norm ${fmtNorm(n.gradNorm)}`,
    );
    g.setAttribute('transform', `translate(${x},${y})`);
    const heat = n.gradNorm ? Math.log10(1 + (9 * n.gradNorm) / maxNorm) : 0; // 0..1
    g.innerHTML = `<rect width="${BOX_W}" height="${BOX_H}" rx="6"/><rect width="6" height="${BOX_H}" rx="2" style="fill:hsl(${220 - 200 * heat},80%,50%);stroke:none"/>`;
    const lines = [
      `#${n.id} ${n.op}${n.name ? ` '${n.name}'` : ''}`,
      `[${n.shape.join(', ')}]`,
      `‖∂loss/∂·‖₂ = ${fmtNorm(n.gradNorm)}`,
    ];
    lines.forEach((s, k) => {
      const t = document.createElementNS(NS, 'text');
      t.setAttribute('x', '12');
      t.setAttribute('y', String(16 + 15 * k));
      t.textContent = s.length > 28 ? s.slice(0, 27) + '…' : s;
      g.appendChild(t);
    });
    svg.appendChild(g);
    els.set(n.id, g);
  }
  host.appendChild(svg);

  const label = (i: number): string => {
    const m = byId.get(i);
    return `#${i} ${m?.op}${m?.name ? ` '${m.name}'` : ''}`;
  };
  const select = (id: number, focus = true): void => {
    for (const [k, el] of els) el.classList.toggle('sel', k === id);
    for (const e of edges) e.el.classList.toggle('hot', e.from === id || e.to === id);
    const n = byId.get(id)!;
    detail.textContent = [
      `tensor #${n.id}${n.name ? ` '${n.name}'` : ''}`,
      `op:     ${n.op}`,
      `shape:  [${n.shape.join(', ')}]`,
      `‖∂loss/∂t‖₂: ${fmtNorm(n.gradNorm)}`,
      `inputs: ${n.inputs.map(label).join(', ') || '(leaf)'}`,
      `used by: ${(consumers.get(id) ?? []).map(label).join(', ') || '(output)'}`,
      n.attrs ? `attrs:  ${JSON.stringify(n.attrs)}` : '',
    ]
      .filter(Boolean)
      .join('\n');
    if (focus) els.get(id)!.focus();
  };
  for (const [id, el] of els) {
    el.addEventListener('click', () => select(id));
    el.addEventListener('focus', () => select(id, false));
    el.addEventListener('keydown', (e) => {
      const n = byId.get(id)!;
      const row = rows[depth.get(id)!],
        c = row.indexOf(id);
      let to: number | undefined;
      if (e.key === 'ArrowUp') to = n.inputs[0];
      else if (e.key === 'ArrowDown') to = consumers.get(id)?.[0];
      else if (e.key === 'ArrowLeft') to = row[c - 1];
      else if (e.key === 'ArrowRight') to = row[c + 1];
      else if (e.key === 'Enter' || e.key === ' ') to = id;
      if (to !== undefined) {
        e.preventDefault();
        select(to);
      }
    });
  }
  const last = nodes.at(-1);
  if (last) select(last.id, false);
  // focus into the diagram from outside lands on the loss; the wrapper scrolls to it
  host.scrollTop = host.scrollHeight;
}
