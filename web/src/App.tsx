import { Center, Loader } from '@mantine/core';
import { useTranslation } from 'react-i18next';
import { Navigate, Route, Routes, useLocation, useParams } from 'react-router-dom';
import { useSession } from './auth/session';
import { Layout } from './components/Layout';
import { LoginPage } from './pages/LoginPage';
import { NotFoundPage } from './pages/NotFoundPage';
import { CustomerPage } from './pages/customers/CustomerPage';
import { CustomersPage } from './pages/customers/CustomersPage';
import { DocumentPage } from './pages/documents/DocumentPage';
import { DocumentsPage } from './pages/documents/DocumentsPage';
import { DispatchHistoryPage } from './pages/dispatch/DispatchHistoryPage';
import { DispatchPage } from './pages/dispatch/DispatchPage';
import { EvaluationsPage } from './pages/evaluations/EvaluationsPage';
import { InboxPage } from './pages/InboxPage';
import { CompanyPage } from './pages/settings/CompanyPage';
import { MailSettingsPage } from './pages/settings/MailSettingsPage';
import { UsersPage } from './pages/settings/UsersPage';
import { TemplatePage } from './pages/templates/TemplatePage';
import { TemplatesPage } from './pages/templates/TemplatesPage';

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
  );
}
