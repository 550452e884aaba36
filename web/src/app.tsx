/** The shell: who is signed in, navigation, the live connection indicator, and page routing. */
import { useEffect, useState } from 'preact/hooks';
import type { Me, ModelInfo } from './api';
import { get, logout, me as fetchMe, onUnauthorized } from './api';
import { LiveBadge } from './components/live-badge';
import { Loading } from './components/states';
import { SessionContext } from './context';
import { live } from './live';
import { CommercePage } from './pages/commerce';
import { ExplorePage } from './pages/explore';
import { LearningPage } from './pages/learning';
import { LivePage } from './pages/live';
import { LoginPage } from './pages/login';
import { OverviewPage } from './pages/overview';
import { SupportPage } from './pages/support';
import { SystemPage } from './pages/system';
import { navigate, useLocation } from './router';

const NAV = [
  { path: '/', label: 'Overview' },
  { path: '/explore', label: 'Explore' },
  { path: '/learning', label: 'Learning' },
  { path: '/support', label: 'Support' },
  { path: '/commerce', label: 'Commerce' },
  { path: '/live', label: 'Live' },
  { path: '/system', label: 'System', admin: true },
];

function Page({ path }: { path: string }) {
  if (path === '/' || path === '/overview') return <OverviewPage />;
  if (path === '/explore') return <ExplorePage />;
  if (path.startsWith('/learning')) return <LearningPage />;
  if (path === '/support') return <SupportPage />;
  if (path === '/commerce') return <CommercePage />;
  if (path === '/live') return <LivePage />;
  if (path === '/system') return <SystemPage />;
  return <p>This page does not exist.</p>;
}

export function App() {
  const { path } = useLocation();
  const [me, setMe] = useState<Me | null>(null);
  const [models, setModels] = useState<ModelInfo[]>([]);
  const [checking, setChecking] = useState(true);
  const [menuOpen, setMenuOpen] = useState(false);

  const load = async (): Promise<void> => {
    try {
      const who = await fetchMe();
      const catalog = await get<{ models: ModelInfo[] }>('/model');
      setModels(catalog.models);
      setMe(who);
      live.start();
    } catch {
      setMe(null);
    } finally {
      setChecking(false);
    }
  };

  useEffect(() => {
    void load();
    return onUnauthorized(() => {
      live.stop();
      setMe(null);
    });
  }, []);

  const signOut = (): void => {
    void logout().finally(() => {
      live.stop();
      setMe(null);
      navigate('/login');
    });
  };

  if (checking) return <Loading label="Starting Tally…" />;
  if (!me) return <LoginPage onSignedIn={() => void load().then(() => path === '/login' && navigate('/'))} />;
  if (path === '/login') navigate('/', true);

  const nav = NAV.filter((n) => !n.admin || me.permissions.includes('system:read'));
  return (
    <SessionContext.Provider value={{ me, models, signOut }}>
      <a class="skip" href="#main">
        Skip to content
      </a>
      <header class="topbar">
        <span class="brand" aria-label="Tally">
          <img src="/favicon.svg" alt="" width="22" height="22" /> Tally
        </span>
        <button type="button" class="menu-toggle" aria-expanded={menuOpen} aria-controls="nav" onClick={() => setMenuOpen(!menuOpen)}>
          Menu
        </button>
        <nav id="nav" class={menuOpen ? 'open' : ''} aria-label="Views">
          {nav.map((n) => (
            <a
              key={n.path}
              href={n.path}
              aria-current={(n.path === '/' ? path === '/' || path === '/overview' : path.startsWith(n.path)) ? 'page' : undefined}
              onClick={(e) => {
                e.preventDefault();
                setMenuOpen(false);
                navigate(n.path);
              }}
            >
              {n.label}
            </a>
          ))}
        </nav>
        <div class="who">
          <LiveBadge />
          <span class="org" title={`Signed in as ${me.user?.email ?? me.sub} (${me.role})`}>
            {me.org} · {me.role}
          </span>
          <button type="button" class="link" onClick={signOut}>
            Sign out
          </button>
        </div>
      </header>
      <main id="main">
        <Page path={path} />
      </main>
    </SessionContext.Provider>
  );
}
