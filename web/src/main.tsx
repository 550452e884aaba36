/** Entry: mounts the app. Styles are a plain CSS file (no inline styles needed under the CSP). */
import { render } from 'preact';
import { App } from './app';
import './styles.css';

const root = document.getElementById('app');
if (root) render(<App />, root);
