// Import directions, checked by `npm run deps` (part of `npm test`). DESIGN.md, "Layout": adapters/ and jobs/
// use src/; src/ imports neither; src/domain/ imports nothing of the project; inside src/, a folder never imports
// one above it. The layers, lowest first (a module may import its own layer and the ones below):
const LAYERS = [
  ['domain', '^src/domain/'],
  ['base', '^src/(time/|errors[.]ts$|random[.]ts$|config[.]ts$|logger[.]ts$|reachability[.]ts$)'],
  ['db', '^src/db/'],
  ['nlp, links, workspace', '^src/(nlp/|links/|workspace[.]ts$)'],
  ['capture', '^src/capture/'],
  ['counters, feedback', '^src/(counters|feedback)/'],
  ['history', '^src/history/'],
  ['digest', '^src/digest/'],
  ['services', '^src/(privacy|retention|import|security|http)/|^src/(queue|platform)[.]ts$'],
];

const layerRules = LAYERS.slice(0, -1).map(([name, path], i) => ({
  name: `layer-${name.replace(/, /g, '-')}`,
  comment: `src layer "${name}" imports only its own layer and those below it`,
  severity: 'error',
  from: { path },
  to: { path: LAYERS.slice(i + 1).map(([, p]) => `(${p})`).join('|') },
}));

module.exports = {
  forbidden: [
    { name: 'no-circular', severity: 'error', comment: 'no import cycles', from: {}, to: { circular: true } },
    {
      name: 'src-stays-inside',
      severity: 'error',
      comment: 'src/ never imports adapters/, jobs/, bin/ or the tooling around it',
      from: { path: '^src/' },
      to: { path: '^(adapters|jobs|bin|bench|test|scripts|eval)/' },
    },
    {
      name: 'domain-is-self-contained',
      severity: 'error',
      comment: 'src/domain/ imports nothing of the project (node built-ins only)',
      from: { path: '^src/domain/' },
      to: { pathNot: '^src/domain/', dependencyTypesNot: ['core'] },
    },
    {
      name: 'adapters-use-src-apis',
      severity: 'error',
      comment: 'adapters reach stored documents through src/ functions, never the mongoose models',
      from: { path: '^adapters/' },
      to: { path: '^src/db/models[.]ts$' },
    },
    {
      name: 'platforms-apart',
      severity: 'error',
      comment: 'adapters/slack and adapters/discord never import each other',
      from: { path: '^adapters/(slack|discord)/' },
      to: { path: '^adapters/', pathNot: '^adapters/$1/' },
    },
    ...layerRules,
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: 'node_modules' },
    parser: 'swc',
    tsConfig: { fileName: 'tsconfig.json' },
  },
};
