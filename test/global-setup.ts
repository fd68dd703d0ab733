// Builds what several test files share once, before any of them runs, since files run two at a
// time and must not rebuild it under each other: the app (electron-vite: main, vision engine,
// preload, renderer), which the e2e tests serve and run, and the synthetic three-verdict set.
import { buildApp } from './helpers/build';
import { sharedDataSet } from './helpers/paths';
import { syntheticLondonSet } from './helpers/synthetic-london';

export default function setup(): void {
  buildApp();
  try {
    sharedDataSet('london-faces-v1');
  } catch {
    // Without the data set, the tests that draw on it say so themselves.
    return;
  }
  syntheticLondonSet();
}
