// Builds the app (electron-vite: main, vision engine, preload, renderer) once before any test
// file runs: the e2e tests serve its renderer and run its vision engine, and files running in
// parallel must not rebuild out/ under each other.
import { buildApp } from './helpers/build';

export default function setup(): void {
  buildApp();
}
