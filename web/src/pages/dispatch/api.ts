import { useQueryClient } from '@tanstack/react-query';
import { useEffect, useState } from 'react';
import { ApiError, api, csrfToken } from '../../api/client';
import { isFinished, type DispatchStatus, type DispatchView } from './types';

export const dispatchKey = (id: number) => ['dispatch-ui', id] as const;
export const recipientsKey = (id: number) => ['dispatch-ui', id, 'recipients'] as const;

export const getDispatch = (id: number) => api.get<DispatchView>(`/api/dispatches/${id}`);

/** A fresh key per send dialog: a double click or a retried request starts the dispatch once. */
export function newIdempotencyKey(): string {
  const bytes = new Uint8Array(16);
  crypto.getRandomValues(bytes);
  return `web-${Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('')}`;
}

/** A POST answered with a file (the merged print PDF), opened in a new tab or saved. */
export async function postForBlob(path: string, body: unknown): Promise<Blob> {
  const response = await fetch(path, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/pdf, application/json', 'x-csrf-token': csrfToken() ?? '' },
    body: JSON.stringify(body),
    credentials: 'same-origin',
  });
  if (!response.ok) {
    const problem: unknown = await response.json().catch(() => null);
    const code = typeof problem === 'object' && problem !== null && 'code' in problem && typeof problem.code === 'string' ? problem.code : 'request.failed';
    throw new ApiError(response.status, code, response.statusText);
  }
  return response.blob();
}

/** Offers a file to the user under a name (CSV export, print PDF). */
export function saveBlob(blob: Blob, filename: string): void {
  const url = URL.createObjectURL(blob);
  const link = document.createElement('a');
  link.href = url;
  link.download = filename;
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 60_000);
}

export type LiveState = 'idle' | 'live' | 'reconnecting';

/**
 * Live progress of a running dispatch over Server-Sent Events (GET /api/dispatches/:id/events).
 * Each `progress` event replaces the cached dispatch view; `end` closes the stream. The counts
 * come from the database, so a dispatch started in another tab or before a restart shows too.
 */
export function useDispatchEvents(id: number, status: DispatchStatus | undefined): LiveState {
  const queryClient = useQueryClient();
  const [state, setState] = useState<LiveState>('idle');
  const running = status !== undefined && status !== 'draft' && !isFinished(status);
  useEffect(() => {
    if (!running) {
      setState('idle');
      return;
    }
    const source = new EventSource(`/api/dispatches/${id}/events?intervalMs=300`);
    setState('live');
    const onProgress = (event: MessageEvent<string>) => {
      const view: DispatchView = JSON.parse(event.data);
      setState('live');
      queryClient.setQueryData(dispatchKey(id), view);
    };
    const onEnd = () => {
      source.close();
      setState('idle');
      // The recipients' queries share this prefix and show their final state too.
      void queryClient.invalidateQueries({ queryKey: dispatchKey(id) });
    };
    source.addEventListener('progress', onProgress);
    source.addEventListener('end', onEnd);
    // EventSource reconnects by itself; say so instead of showing stale numbers as live.
    source.onerror = () => setState('reconnecting');
    return () => {
      source.removeEventListener('progress', onProgress);
      source.removeEventListener('end', onEnd);
      source.close();
    };
  }, [id, running, queryClient]);
  return state;
}
