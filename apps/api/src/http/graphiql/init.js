// Starts GraphiQL (served by Gatehouse from @graphql-yoga/graphiql, nothing from a CDN). A file rather
// than an inline script so the page runs under `script-src 'self'`. Options come from data attributes.
(function () {
  var root = document.getElementById('root');
  var assets = root.getAttribute('data-assets');
  var workers = {
    editorWorkerService: 'monacoeditorwork/editor.worker.bundle.js',
    json: 'monacoeditorwork/json.worker.bundle.js',
    graphql: 'monacoeditorwork/graphql.worker..bundle.js',
  };
  // Monaco's editor workers are loaded from this origin too (worker-src 'self').
  self.MonacoEnvironment = {
    globalAPI: false,
    getWorkerUrl: function (_moduleId, label) {
      return assets + (workers[label] || workers.editorWorkerService);
    },
  };
  YogaGraphiQL.renderYogaGraphiQL(root, JSON.parse(root.getAttribute('data-options') || '{}'));
})();
