/**
 * Waiting in tests for something another process or thread does. There is no overall deadline:
 * on a loaded machine (CI shares 2 cores) the work may take many times longer than on an idle
 * one. A wait fails only when nothing happens any more: when `progress` (a counter such as
 * messages received) has not changed for `stallMs`; without `progress`, after `stallMs`.
 */
export async function waitFor(
  condition: () => boolean | Promise<boolean>,
  options: { progress?: () => number | Promise<number>; stallMs?: number; stepMs?: number; what?: string } = {},
): Promise<void> {
  const stallMs = options.stallMs ?? 60_000;
  const stepMs = options.stepMs ?? 50;
  let last = options.progress ? await options.progress() : 0;
  let lastChange = Date.now();
  while (!(await condition())) {
    if (options.progress) {
      const now = await options.progress();
      if (now !== last) {
        last = now;
        lastChange = Date.now();
      }
    }
    if (Date.now() - lastChange > stallMs) throw new Error(`${options.what ?? 'condition'}: no progress for ${stallMs} ms`);
    await new Promise((r) => setTimeout(r, stepMs));
  }
}
