// The SPARQL editor page: YASGUI pointed at this server only, preloaded with the named queries.
(function () {
  "use strict";
  var config = JSON.parse(document.getElementById("mdkg-editor-config").textContent);
  var endpoint = new URL(config.endpoint, window.location.href).href;
  var Yasqe = Yasgui.Yasqe;

  // The "property" and "class" completers ask Linked Open Vocabularies on the web, and the bundled
  // prefix list knows nothing of mdkg: each is replaced by one that asks this server, once per page.
  var declarations = Object.keys(config.prefixes).sort().map(function (name) {
    return name + ": <" + config.prefixes[name] + ">";
  });
  var termQueries = {
    "class": "SELECT DISTINCT ?term WHERE { VALUES ?type { <http://www.w3.org/2002/07/owl#Class> "
      + "<http://www.w3.org/2000/01/rdf-schema#Class> } { ?term a ?type } UNION { GRAPH ?g { ?term a ?type } } "
      + "FILTER(isIRI(?term)) }",
    "property": "SELECT DISTINCT ?term WHERE { VALUES ?type { <http://www.w3.org/2002/07/owl#ObjectProperty> "
      + "<http://www.w3.org/2002/07/owl#DatatypeProperty> <http://www.w3.org/2002/07/owl#AnnotationProperty> "
      + "<http://www.w3.org/1999/02/22-rdf-syntax-ns#Property> } { ?term a ?type } UNION "
      + "{ GRAPH ?g { ?term a ?type } } FILTER(isIRI(?term)) }",
  };
  var terms = {};
  function localTerms(kind) {
    return function () {
      if (!terms[kind]) {
        terms[kind] = fetch(endpoint, {
          method: "POST",
          headers: { Accept: "application/sparql-results+json" },
          body: new URLSearchParams({ query: termQueries[kind] }),
        }).then(function (response) { return response.ok ? response.json() : { results: { bindings: [] } }; })
          .then(function (body) { return body.results.bindings.map(function (b) { return b.term.value; }); })
          .catch(function () { return []; });
      }
      return terms[kind];
    };
  }
  var local = { persistenceId: undefined, bulk: true };
  Yasqe.forkAutocompleter("prefixes", Object.assign({ name: "mdkgPrefixes",
    get: function () { return Promise.resolve(declarations); } }, local), false);
  Yasqe.forkAutocompleter("class", Object.assign({ name: "mdkgClasses", get: localTerms("class") }, local), false);
  Yasqe.forkAutocompleter("property", Object.assign({ name: "mdkgProperties", get: localTerms("property") }, local),
    false);
  Yasqe.defaults.autocompleters = ["variables", "mdkgPrefixes", "mdkgClasses", "mdkgProperties"];

  var yasgui = new Yasgui(document.getElementById("yasgui"), {
    requestConfig: { endpoint: endpoint, method: "POST" },
    copyEndpointOnNewTab: true,
    endpointCatalogueOptions: { getData: function () { return [{ endpoint: endpoint }]; }, keys: [] },
    // A shared link names its own endpoint; this page only ever queries the server it came from.
    populateFromUrl: function (tabConfig) {
      tabConfig.requestConfig.endpoint = endpoint;
      return tabConfig;
    },
    persistenceId: "mdkg-editor",
    yasqe: { value: config.starterQuery },
    yasr: { prefixes: config.prefixes },
  });

  // Tabs restored from this browser's storage may point at another endpoint (an older port, say).
  Object.keys(yasgui._tabs).forEach(function (id) {
    var tab = yasgui._tabs[id];
    if (tab.getEndpoint() !== endpoint) tab.setEndpoint(endpoint);
  });

  window.mdkgEditor = yasgui; // for the console (and the browser tests)

  var examples = {};
  config.examples.forEach(function (example) { examples[example.name] = example; });
  var select = document.getElementById("example-select");
  select.addEventListener("change", function () {
    var example = examples[select.value];
    if (!example) return;
    yasgui.addTab(true, {
      name: example.name,
      yasqe: { value: example.sparql },
      requestConfig: { endpoint: endpoint },
    }, { avoidDuplicateTabs: true });
    select.value = "";
  });
})();
