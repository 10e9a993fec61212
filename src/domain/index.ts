// What every layer shares and no layer owns (DESIGN.md, Layout). Imports nothing of the project; a dependency
// rule in .dependency-cruiser.cjs keeps it that way.
export * from './types.js';
export * from './keys.js';
export * from './survey.js';
