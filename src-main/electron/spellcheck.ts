// Spellchecking only where it uses the OS's own dictionaries. macOS checks with its native spell
// checker; Electron documents Windows and Linux as Hunspell-powered, with dictionaries downloaded from
// Google's CDN at run time: a third party learning who runs the app, and code the app did not ship.
// Pure (no electron import): window.ts applies it.
export function spellcheckFor(platform: NodeJS.Platform): boolean {
  return platform === 'darwin';
}
