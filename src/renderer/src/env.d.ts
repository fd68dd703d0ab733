/// <reference types="vite/client" />
// window.kiosk's type is the preload's own exported type: one source of truth.
import type { KioskApi } from '../../preload/api';

declare global {
  interface Window {
    kiosk: KioskApi;
  }
}
