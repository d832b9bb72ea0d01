import type { CollectResult, ElementSnapshot } from './snapshot';

/**
 * `CollectResult` packed for the trip out of the browser: one JSON string, strings
 * interned, snapshots as arrays, the ancestor chains as one shared tree. Playwright's own
 * serialisation of thousands of objects costs seconds; this costs tens of milliseconds.
 */
export interface PackedCollect {
  readonly strings: string[];
  /** `[uid, parentUid, tag, nthOfType]` for every element on some snapshot's chain. */
  readonly tree: number[][];
  /** One row per snapshot, fields in `ROW` order; strings as indices into `strings`. */
  readonly rows: (number | string)[][];
  readonly matched: number[] | null;
  readonly matchCount: number;
  readonly selectorError: string | null;
  readonly truncated: boolean;
  readonly elementCount: number;
}

/**
 * Packs a collect result into a JSON string. Self-contained for the same reason as
 * `collectSnapshots`: it runs inside the page, right after it.
 */
export function packCollect(result: CollectResult): string {
  const strings: string[] = [];
  const index = new Map<string, number>();
  const s = (value: string): number => {
    let i = index.get(value);
    if (i === undefined) {
      i = strings.length;
      strings.push(value);
      index.set(value, i);
    }
    return i;
  };
  const tree = new Map<number, number[]>();
  const rows: (number | string)[][] = [];
  for (const snap of result.snapshots) {
    const chain = snap.ancestors.concat([snap.uid]);
    for (let i = 0; i < chain.length; i++) {
      if (!tree.has(chain[i]))
        tree.set(chain[i], [chain[i], i > 0 ? chain[i - 1] : -1, s(snap.path[i]), snap.positions[i]]);
    }
    const b = snap.bbox;
    rows.push([
      snap.uid,
      snap.selector,
      s(snap.id),
      s(snap.name),
      s(snap.type),
      s(snap.role),
      s(snap.classes.join(' ')),
      s(snap.text),
      s(snap.ariaLabel),
      s(snap.placeholder),
      s(snap.title),
      s(snap.alt),
      s(snap.href),
      s(snap.src),
      s(snap.value),
      s(snap.testIds.join('\n')),
      s(snap.labelText),
      s(snap.parentText),
      s(snap.prevText),
      s(snap.nextText),
      s(snap.headingText),
      s(snap.landmark),
      snap.visible ? 1 : 0,
      b ? b.x : 0,
      b ? b.y : 0,
      b ? b.width : -1,
      b ? b.height : -1,
      s(snap.landmarks.join('\n')),
      s(snap.headings.join('\n')),
      s(snap.form),
      s(snap.containers.join('\n')),
      s(snap.groups.join('\n')),
    ]);
  }
  return JSON.stringify({
    strings,
    tree: [...tree.values()],
    rows,
    matched: result.matched,
    matchCount: result.matchCount,
    selectorError: result.selectorError,
    truncated: result.truncated,
    elementCount: result.elementCount,
  });
}

/** The inverse of `packCollect`, on the Node side. */
export function unpackCollect(json: string): CollectResult {
  const p = JSON.parse(json) as PackedCollect;
  const str = (i: number | string): string => p.strings[i as number] ?? '';
  const nodes = new Map<number, { parent: number; tag: string; nth: number }>();
  for (const [uid, parent, tag, nth] of p.tree) nodes.set(uid, { parent, tag: p.strings[tag], nth });
  const snapshots: ElementSnapshot[] = p.rows.map((r) => {
    const uid = r[0] as number;
    const ancestors: number[] = [];
    const path: string[] = [];
    const positions: number[] = [];
    let at = uid;
    let node = nodes.get(at);
    while (node) {
      if (at !== uid) ancestors.push(at);
      path.push(node.tag);
      positions.push(node.nth);
      at = node.parent;
      node = nodes.get(at);
    }
    ancestors.reverse();
    path.reverse();
    positions.reverse();
    const classes = str(r[6]);
    const testIds = str(r[15]);
    const landmarks = str(r[27]);
    const headings = str(r[28]);
    const containers = str(r[30]);
    const groups = str(r[31]);
    return {
      uid,
      ancestors,
      selector: r[1] as string,
      tag: path[path.length - 1] ?? '',
      id: str(r[2]),
      name: str(r[3]),
      type: str(r[4]),
      role: str(r[5]),
      classes: classes ? classes.split(' ') : [],
      text: str(r[7]),
      ariaLabel: str(r[8]),
      placeholder: str(r[9]),
      title: str(r[10]),
      alt: str(r[11]),
      href: str(r[12]),
      src: str(r[13]),
      value: str(r[14]),
      testIds: testIds ? testIds.split('\n') : [],
      labelText: str(r[16]),
      parentText: str(r[17]),
      prevText: str(r[18]),
      nextText: str(r[19]),
      headingText: str(r[20]),
      landmark: str(r[21]),
      landmarks: landmarks ? landmarks.split('\n') : [],
      headings: headings ? headings.split('\n') : [],
      form: str(r[29]),
      containers: containers ? containers.split('\n') : [],
      groups: groups ? groups.split('\n') : [],
      depth: ancestors.length,
      path,
      nthOfType: positions[positions.length - 1] ?? 1,
      positions,
      visible: r[22] === 1,
      bbox:
        (r[25] as number) < 0
          ? null
          : { x: r[23] as number, y: r[24] as number, width: r[25] as number, height: r[26] as number },
    };
  });
  return {
    snapshots,
    matched: p.matched,
    matchCount: p.matchCount,
    selectorError: p.selectorError,
    truncated: p.truncated,
    elementCount: p.elementCount,
  };
}
