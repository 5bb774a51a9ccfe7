/**
 * The preload (bundled to dist/preload.js, run sandboxed with context isolation): exposes the
 * validated bridge as `window.zerogate`, and nothing else.
 */
import { contextBridge, ipcRenderer } from 'electron';
import { createBridge } from './bridge.ts';

contextBridge.exposeInMainWorld('zerogate', createBridge(ipcRenderer));
