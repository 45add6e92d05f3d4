// The SPARQL editor page: YASGUI pointed at this server only, preloaded with the named queries.
(function () {
  "use strict";
  var config = JSON.parse(document.getElementById("mdkg-editor-config").textContent);
  var endpoint = new URL(config.endpoint, window.location.href).href;
  var Yasqe = Yasgui.Yasqe;

  // The "property" and "class" completers ask Linked Open Vocabularies on the web: drop them. The
  // bundled prefix list knows nothing of mdkg, so a completer of this dataset's own prefixes replaces it.
  var declarations = Object.keys(config.prefixes).sort().map(function (name) {
    return name + ": <" + config.prefixes[name] + ">";
  });
  Yasqe.forkAutocompleter("prefixes", {
    name: "mdkgPrefixes",
    persistenceId: undefined,
    get: function () { return Promise.resolve(declarations); },
  }, false);
  Yasqe.defaults.autocompleters = ["variables", "mdkgPrefixes"];

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
