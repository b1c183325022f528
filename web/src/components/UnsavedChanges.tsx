import { Text } from '@mantine/core';
import { useCallback, useEffect, useRef, type ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import { useBlocker, useLocation, type BlockerFunction } from 'react-router-dom';
import { ConfirmModal } from './ConfirmModal';

/**
 * Asks before a form with unsaved changes is left: another page of the app gets a dialog, closing
 * or reloading the tab the browser's own question. Changing only the query (a tab of the same
 * form) is not leaving. After a save that navigates on its own, call `leaveWithoutAsking()` first.
 */
export function useUnsavedChanges(dirty: boolean): { guard: ReactNode; leaveWithoutAsking: () => void } {
  const { t } = useTranslation();
  const dirtyRef = useRef(dirty);
  dirtyRef.current = dirty;
  // Allowed from leaveWithoutAsking() until the next page is shown (the router may ask more than
  // once per navigation, so this is not a one-shot flag).
  const allowed = useRef(false);
  const { pathname } = useLocation();
  useEffect(() => {
    allowed.current = false;
  }, [pathname]);
  const shouldBlock = useCallback<BlockerFunction>(({ currentLocation, nextLocation }) => !allowed.current && dirtyRef.current && currentLocation.pathname !== nextLocation.pathname, []);
  const blocker = useBlocker(shouldBlock);

  useEffect(() => {
    if (!dirty) return;
    const onBeforeUnload = (event: BeforeUnloadEvent) => event.preventDefault();
    window.addEventListener('beforeunload', onBeforeUnload);
    return () => window.removeEventListener('beforeunload', onBeforeUnload);
  }, [dirty]);

  const guard = (
    <ConfirmModal opened={blocker.state === 'blocked'} title={t('unsaved.title')} confirmLabel={t('unsaved.leave')} color="red" onConfirm={() => blocker.proceed?.()} onClose={() => blocker.reset?.()}>
      <Text size="sm">{t('unsaved.text')}</Text>
    </ConfirmModal>
  );
  const leaveWithoutAsking = useCallback(() => {
    allowed.current = true;
  }, []);
  return { guard, leaveWithoutAsking };
}
