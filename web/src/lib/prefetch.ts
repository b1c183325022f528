import { useEffect } from 'react';

// The chunks that follow the login page: the menu and the first page behind it.
export const loadLayout = () => import('../components/Layout');
export const loadCustomers = () => import('../pages/customers/CustomersPage');

/** Fetches the menu and the customer list while the browser is idle on the login page. */
export function usePrefetchAfterLogin(): void {
  useEffect(() => {
    const prefetch = () => void Promise.all([loadLayout(), loadCustomers()]).catch(() => undefined);
    if ('requestIdleCallback' in window) {
      const handle = window.requestIdleCallback(prefetch, { timeout: 3000 });
      return () => window.cancelIdleCallback(handle);
    }
    const handle = setTimeout(prefetch, 1000);
    return () => clearTimeout(handle);
  }, []);
}
