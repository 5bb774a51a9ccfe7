/** Entry of the desktop window's bundle (scripts/build-desktop.ts). */
import { render } from 'preact';
import { App } from './app.tsx';
import { bridge } from './bridge.ts';
import './styles.css';

const root = document.getElementById('app');
if (root !== null) render(<App bridge={bridge()} />, root);
