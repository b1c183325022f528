/** Lists come as `{ items: [...] }`; a bare array is accepted too. */
export function itemsOf<T>(data: unknown): T[] {
  const list: unknown = Array.isArray(data) ? data : typeof data === 'object' && data !== null && 'items' in data ? data.items : [];
  if (!Array.isArray(list)) return [];
  const items: T[] = list;
  return items;
}
