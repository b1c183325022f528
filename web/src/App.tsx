import { Center, Loader } from '@mantine/core';
import { lazy, Suspense } from 'react';
import { useTranslation } from 'react-i18next';
import { Navigate, Route, Routes, useLocation, useParams } from 'react-router-dom';
import { useSession } from './auth/session';
import { PageLoader } from './components/PageLoader';
import { loadCustomers, loadLayout } from './lib/prefetch';
import { LoginPage } from './pages/LoginPage';

// Every page but the login is loaded when first needed, so the login page loads only what it
// shows (issue 16: ≤ 200 KB of compressed JavaScript). While the login page is shown, the menu and
// the first page behind it are fetched in idle time (usePrefetchAfterLogin).
const Layout = lazy(() => loadLayout().then((m) => ({ default: m.Layout })));
const NotFoundPage = lazy(() => import('./pages/NotFoundPage').then((m) => ({ default: m.NotFoundPage })));
const CustomerPage = lazy(() => import('./pages/customers/CustomerPage').then((m) => ({ default: m.CustomerPage })));
const CustomersPage = lazy(() => loadCustomers().then((m) => ({ default: m.CustomersPage })));
const DocumentPage = lazy(() => import('./pages/documents/DocumentPage').then((m) => ({ default: m.DocumentPage })));
const DocumentsPage = lazy(() => import('./pages/documents/DocumentsPage').then((m) => ({ default: m.DocumentsPage })));
const DispatchHistoryPage = lazy(() => import('./pages/dispatch/DispatchHistoryPage').then((m) => ({ default: m.DispatchHistoryPage })));
const DispatchPage = lazy(() => import('./pages/dispatch/DispatchPage').then((m) => ({ default: m.DispatchPage })));
const EvaluationsPage = lazy(() => import('./pages/evaluations/EvaluationsPage').then((m) => ({ default: m.EvaluationsPage })));
const InboxPage = lazy(() => import('./pages/InboxPage').then((m) => ({ default: m.InboxPage })));
const CompanyPage = lazy(() => import('./pages/settings/CompanyPage').then((m) => ({ default: m.CompanyPage })));
const MailSettingsPage = lazy(() => import('./pages/settings/MailSettingsPage').then((m) => ({ default: m.MailSettingsPage })));
const UsersPage = lazy(() => import('./pages/settings/UsersPage').then((m) => ({ default: m.UsersPage })));
const TemplatePage = lazy(() => import('./pages/templates/TemplatePage').then((m) => ({ default: m.TemplatePage })));
const BankImportPage = lazy(() => import('./pages/receivables/BankImportPage').then((m) => ({ default: m.BankImportPage })));
const TemplatesPage = lazy(() => import('./pages/templates/TemplatesPage').then((m) => ({ default: m.TemplatesPage })));

function RequireAuth({ children, admin = false }: { children: React.ReactNode; admin?: boolean }) {
  const { state } = useSession();
  const location = useLocation();
  const { t } = useTranslation();
  if (state.status === 'loading') {
    return (
      <Center h="100vh">
        <Loader aria-label={t('common.loading')} />
      </Center>
    );
  }
  if (state.status === 'anonymous') {
    // Back where the user was after logging in again.
    const next = `${location.pathname}${location.search}`;
    const params = new URLSearchParams({ next });
    if (state.expired) params.set('expired', '1');
    return <Navigate to={`/login?${params.toString()}`} replace />;
  }
  if (admin && state.role !== 'admin') return <NotFoundPage forbidden />;
  return <>{children}</>;
}

/** `/dispatches/:id` (the first version of the send screens) → `/dispatch/:id`. */
function LegacyDispatchRedirect() {
  const { id } = useParams();
  return <Navigate to={id ? `/dispatch/${encodeURIComponent(id)}` : '/dispatch'} replace />;
}

export function App() {
  return (
    <Suspense fallback={<PageLoader />}>
      <Routes>
        <Route path="/login" element={<LoginPage />} />
        <Route
          element={
            <RequireAuth>
              <Layout />
            </RequireAuth>
          }
        >
          <Route index element={<Navigate to="/customers" replace />} />
          <Route path="customers" element={<CustomersPage />} />
          <Route path="customers/new" element={<CustomerPage />} />
          <Route path="customers/:id" element={<CustomerPage />} />
          <Route path="documents" element={<DocumentsPage />} />
          <Route path="documents/new" element={<DocumentPage />} />
          <Route path="documents/:id" element={<DocumentPage />} />
          <Route path="templates" element={<TemplatesPage />} />
          <Route path="bank" element={<BankImportPage />} />
          <Route path="templates/new" element={<RequireAuth admin><TemplatePage /></RequireAuth>} />
          <Route path="templates/:id" element={<TemplatePage />} />
          <Route path="settings/mail" element={<RequireAuth admin><MailSettingsPage /></RequireAuth>} />
          <Route path="settings/company" element={<RequireAuth admin><CompanyPage /></RequireAuth>} />
          <Route path="settings/users" element={<RequireAuth admin><UsersPage /></RequireAuth>} />
          {/* Old addresses of the dispatch screens (bookmarks, links in mails) keep working. */}
          <Route path="dispatches" element={<Navigate to="/dispatch" replace />} />
          <Route path="dispatches/:id" element={<LegacyDispatchRedirect />} />
          <Route path="evaluations/documents" element={<EvaluationsPage />} />
          <Route path="dispatch" element={<DispatchHistoryPage />} />
          <Route path="dispatch/:id" element={<DispatchPage />} />
          <Route path="inbox" element={<InboxPage />} />
          <Route path="*" element={<NotFoundPage />} />
        </Route>
      </Routes>
    </Suspense>
  );
}
