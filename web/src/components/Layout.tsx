import { AppShell, Burger, Group, Menu, NavLink, Text, UnstyledButton, Title, ScrollArea } from '@mantine/core';
import { useDisclosure } from '@mantine/hooks';
import { IconBuilding, IconBuildingBank, IconChartBar, IconChevronDown, IconFileInvoice, IconFileText, IconInbox, IconKey, IconLanguage, IconLogout, IconMail, IconSend, IconServer, IconSettings, IconTemplate, IconUserCog, IconUsers, IconFolders } from '@tabler/icons-react';
import { useQuery } from '@tanstack/react-query';
import { Suspense, useEffect, useRef } from 'react';
import { useTranslation } from 'react-i18next';
import { Link, Outlet, useLocation, useNavigate } from 'react-router-dom';
import { api } from '../api/client';
import { useSession, useUser } from '../auth/session';
import { useLocale } from '../lib/hooks';
import { PageLoader } from './PageLoader';
import { PasswordModal } from '../pages/settings/PasswordModal';

interface Entry {
  to: string;
  label: string;
  icon: React.ReactNode;
}

function Item({ entry, active, onNavigate }: { entry: Entry; active: boolean; onNavigate: () => void }) {
  return (
    <NavLink
      component={Link}
      to={entry.to}
      label={entry.label}
      leftSection={entry.icon}
      active={active}
      aria-current={active ? 'page' : undefined}
      onClick={onNavigate}
    />
  );
}

/** The left menu as users of the reference (AMPAREX) know it. */
export function Layout() {
  const { t } = useTranslation();
  const { user, isAdmin } = useUser();
  const { logout, changeLocale } = useSession();
  const locale = useLocale();
  const location = useLocation();
  const navigate = useNavigate();
  const [opened, { toggle, close }] = useDisclosure();
  // After a move to another page, focus goes to its content (as after a full page load), so a
  // keyboard or screen reader user starts there instead of in the menu; not when the page has
  // already put focus into its content (e.g. a field with autofocus).
  const firstPath = useRef(true);
  useEffect(() => {
    if (firstPath.current) {
      firstPath.current = false;
      return;
    }
    const main = document.getElementById('main');
    if (main && !main.contains(document.activeElement)) main.focus({ preventScroll: true });
  }, [location.pathname]);
  // The demo mail catcher's inbox exists only in demo mode; the route answers 404 otherwise.
  const inbox = useQuery({ queryKey: ['dev-mails-available'], queryFn: () => api.get<unknown>('/api/dev/mails'), retry: false, staleTime: Infinity });

  const isActive = (to: string) => location.pathname === to || location.pathname.startsWith(`${to}/`);
  const icon: { size: number; stroke: number; 'aria-hidden': boolean } = { size: 18, stroke: 1.6, 'aria-hidden': true };

  const reports: Entry[] = [
    { to: '/evaluations/documents', label: t('nav.documents'), icon: <IconFileText {...icon} /> },
    { to: '/bank', label: t('receivables.bank.nav'), icon: <IconBuildingBank {...icon} /> },
  ];
  const masterData: Entry[] = [{ to: '/templates', label: t('nav.templates'), icon: <IconTemplate {...icon} /> }];
  const settings: Entry[] = [
    { to: '/settings/mail', label: t('nav.mailSettings'), icon: <IconServer {...icon} /> },
    { to: '/settings/company', label: t('nav.company'), icon: <IconBuilding {...icon} /> },
    { to: '/settings/users', label: t('nav.users'), icon: <IconUserCog {...icon} /> },
  ];

  const [passwordOpened, { open: openPassword, close: closePassword }] = useDisclosure(false);
  const onLogout = async () => {
    await logout();
    navigate('/login', { replace: true });
  };

  return (
    <AppShell header={{ height: 56 }} navbar={{ width: { base: 256, xl: 290 }, breakpoint: 'sm', collapsed: { mobile: !opened } }} padding={{ base: 'md', xl: 'lg' }}>
      <a className="skip-link" href="#main">
        {t('nav.skipToContent')}
      </a>
      <AppShell.Header>
        <Group h="100%" px="md" justify="space-between">
          <Group gap="sm">
            <Burger opened={opened} onClick={toggle} hiddenFrom="sm" size="sm" aria-label={t('nav.toggleMenu')} />
            <Title order={1} size="h3" c="indigo.7">
              Faktura
            </Title>
          </Group>
          <Menu position="bottom-end" withinPortal>
            <Menu.Target>
              <UnstyledButton data-testid="user-menu">
                <Group gap={6}>
                  {/* Named by what it shows (WCAG 2.5.3), introduced as the user menu. */}
                  <span className="visually-hidden">{t('nav.userMenu')}: </span>
                  <Text size="sm" fw={500}>
                    {user.name || user.email}
                  </Text>
                  <Text size="xs" c="dimmed">
                    ({t(`roles.${user.role}`)})
                  </Text>
                  <IconChevronDown size={14} aria-hidden />
                </Group>
              </UnstyledButton>
            </Menu.Target>
            <Menu.Dropdown>
              <Menu.Label>{t('nav.language')}</Menu.Label>
              <Menu.Item leftSection={<IconLanguage size={16} aria-hidden />} onClick={() => void changeLocale('de')} disabled={locale === 'de'}>
                Deutsch
              </Menu.Item>
              <Menu.Item leftSection={<IconLanguage size={16} aria-hidden />} onClick={() => void changeLocale('en')} disabled={locale === 'en'}>
                English
              </Menu.Item>
              <Menu.Divider />
              <Menu.Item leftSection={<IconKey size={16} aria-hidden />} onClick={openPassword}>
                {t('password.menu')}
              </Menu.Item>
              <Menu.Item leftSection={<IconLogout size={16} aria-hidden />} onClick={() => void onLogout()}>
                {t('nav.logout')}
              </Menu.Item>
            </Menu.Dropdown>
          </Menu>
        </Group>
      </AppShell.Header>
      <AppShell.Navbar p="xs" aria-label={t('nav.mainMenu')}>
        <AppShell.Section grow component={ScrollArea}>
          <nav aria-label={t('nav.mainMenu')}>
            <Item entry={{ to: '/customers', label: t('nav.customers'), icon: <IconUsers {...icon} /> }} active={isActive('/customers')} onNavigate={close} />
            <Item entry={{ to: '/documents', label: t('nav.documentList'), icon: <IconFileInvoice {...icon} /> }} active={isActive('/documents')} onNavigate={close} />
            <NavLink label={t('nav.reports')} leftSection={<IconChartBar {...icon} />} component="button" defaultOpened childrenOffset={14}>
              {reports.map((e) => (
                <Item key={e.to} entry={e} active={isActive(e.to)} onNavigate={close} />
              ))}
            </NavLink>
            <NavLink label={t('nav.masterData')} leftSection={<IconFolders {...icon} />} component="button" defaultOpened childrenOffset={14}>
              {masterData.map((e) => (
                <Item key={e.to} entry={e} active={isActive(e.to)} onNavigate={close} />
              ))}
            </NavLink>
            {isAdmin && (
              <NavLink label={t('nav.settings')} leftSection={<IconSettings {...icon} />} component="button" defaultOpened childrenOffset={14}>
                {settings.map((e) => (
                  <Item key={e.to} entry={e} active={isActive(e.to)} onNavigate={close} />
                ))}
              </NavLink>
            )}
            <Item entry={{ to: '/dispatch', label: t('nav.dispatches'), icon: <IconSend {...icon} /> }} active={isActive('/dispatch')} onNavigate={close} />
            {inbox.isSuccess && <Item entry={{ to: '/inbox', label: t('nav.inbox'), icon: <IconInbox {...icon} /> }} active={isActive('/inbox')} onNavigate={close} />}
          </nav>
        </AppShell.Section>
        <AppShell.Section>
          <Group gap={6} px="sm" py={6}>
            <IconMail size={14} aria-hidden />
            <Text size="xs" c="dimmed" truncate>
              {user.email}
            </Text>
          </Group>
        </AppShell.Section>
      </AppShell.Navbar>
      <AppShell.Main id="main" tabIndex={-1}>
        <Suspense fallback={<PageLoader />}>
          <Outlet />
        </Suspense>
      </AppShell.Main>
      <PasswordModal opened={passwordOpened} onClose={closePassword} />
    </AppShell>
  );
}
