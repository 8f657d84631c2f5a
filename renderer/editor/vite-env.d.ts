// Vite's `?worker` imports (Monaco's workers) and asset types for the renderer.
/// <reference types="vite/client" />
