// The network view: /network.json drawn with Cytoscape, refetched when a filter changes.
(function () {
  "use strict";
  var config = JSON.parse(document.getElementById("mdkg-network-config").textContent);
  var colours = {
    state: "#1f5fa8", bloc: "#7b3fa0", agreement: "#c0392b", forum: "#d68910",
    event: "#1e8449", government: "#5d6d7e", initiative: "#b7950b",
  };
  var shapes = {
    state: "ellipse", bloc: "hexagon", agreement: "round-rectangle", forum: "diamond",
    event: "star", government: "round-triangle", initiative: "round-tag",
  };
  var form = document.getElementById("network-filter");
  var relationBox = document.getElementById("filter-relations");
  var summary = document.getElementById("network-summary");
  var details = document.getElementById("network-details");
  var jsonLink = document.getElementById("network-json-link");
  var selected = null; // relation IRIs ticked; null until the first answer lists them
  var relationLabels = {};
  var request = 0;

  var cy = cytoscape({
    container: document.getElementById("network"),
    style: [
      { selector: "node", style: {
        "background-color": function (n) { return colours[n.data("kind")] || "#888"; },
        "shape": function (n) { return shapes[n.data("kind")] || "ellipse"; },
        "label": "data(label)", "font-size": 9, "color": "#1d2330", "text-valign": "bottom",
        "text-margin-y": 3, "text-wrap": "ellipsis", "text-max-width": 120, "width": 18, "height": 18,
      } },
      { selector: "edge", style: {
        "width": 1.2, "line-color": "#b9c0cc", "curve-style": "bezier",
        "target-arrow-shape": "triangle", "target-arrow-color": "#b9c0cc", "arrow-scale": 0.7,
      } },
      // A fact joining two things (a delegation, a chair term) has no direction.
      { selector: "edge[?fact]", style: { "target-arrow-shape": "none", "line-style": "dashed" } },
      { selector: ":selected", style: { "line-color": "#1d2330", "target-arrow-color": "#1d2330",
        "border-width": 3, "border-color": "#1d2330" } },
    ],
  });

  function text(tag, content, attributes) {
    var element = document.createElement(tag);
    if (content) element.textContent = content;
    Object.keys(attributes || {}).forEach(function (k) { element.setAttribute(k, attributes[k]); });
    return element;
  }

  function query(allRelations) {
    var params = new URLSearchParams();
    var from = form.elements.from.value, to = form.elements.to.value;
    if (from) params.set("from", from);
    if (to) params.set("to", to);
    params.set("undated", form.elements.undated.checked ? "true" : "false");
    if (!allRelations && selected) selected.forEach(function (r) { params.append("relation", r); });
    return config.data + "?" + params.toString();
  }

  function drawRelations(relations) {
    relationBox.textContent = "";
    relations.forEach(function (relation) {
      relationLabels[relation.iri] = relation.label;
      var label = text("label", null, { "class": "check", title: relation.iri });
      var box = text("input", null, { type: "checkbox", value: relation.iri });
      box.checked = selected.has(relation.iri);
      label.appendChild(box);
      label.appendChild(document.createTextNode(" " + relation.label + " (" + relation.count + ")"));
      relationBox.appendChild(label);
    });
  }

  function draw(data) {
    var nodes = data.nodes.map(function (n) { return { group: "nodes", data: n }; });
    var edges = data.edges.map(function (e, i) {
      return { group: "edges", data: {
        id: "e" + i, source: e.source, target: e.target, relation: e.relation, date: e.date,
        fact: e.fact, factHref: e.factHref } };
    });
    cy.elements().remove();
    cy.add(nodes.concat(edges));
    cy.layout({ name: "cose", animate: false, nodeRepulsion: 60000, idealEdgeLength: 60, nodeOverlap: 40,
                gravity: 0.6, numIter: 2500, padding: 20, randomize: true }).run();
    var dated = data.edges.filter(function (e) { return e.date; }).length;
    summary.textContent = data.nodes.length + " nodes, " + data.edges.length + " links (" + dated + " dated).";
    details.hidden = true;
  }

  function load(allRelations) {
    var mine = ++request;
    var url = query(allRelations);
    jsonLink.href = url;
    if (selected && selected.size === 0 && !allRelations) {
      draw({ nodes: [], edges: [] });
      return Promise.resolve();
    }
    return fetch(url, { headers: { Accept: "application/json" } })
      .then(function (response) {
        return response.json().then(function (body) {
          if (!response.ok) throw new Error(body.error ? body.error.message : response.statusText);
          return body;
        });
      })
      .then(function (data) {
        if (mine !== request) return; // a later filter change has already asked again
        if (selected === null) {
          selected = new Set(data.relations.map(function (r) { return r.iri; })
            .filter(function (iri) { return config.hidden.indexOf(iri) < 0; }));
          drawRelations(data.relations);
          return load(false);
        }
        drawRelations(data.relations);
        draw(data);
      })
      .catch(function (error) {
        summary.textContent = "Could not load the network: " + error.message;
      });
  }

  function show(element) {
    details.textContent = "";
    var data = element.data();
    if (element.isNode()) {
      details.appendChild(text("strong", data.label));
      details.appendChild(text("div", data.kind, { "class": "muted" }));
      details.appendChild(text("a", "open its page", { href: data.href }));
    } else {
      var source = cy.getElementById(data.source).data("label");
      var target = cy.getElementById(data.target).data("label");
      details.appendChild(text("div", source + " → " + target));
      details.appendChild(text("strong", relationLabels[data.relation] || data.relation));
      details.appendChild(text("div", data.date ? "dated " + data.date : "no date in the source",
                               { "class": "muted" }));
      if (data.factHref) details.appendChild(text("a", "the fact, with its source and quote",
                                                  { href: data.factHref }));
    }
    details.hidden = false;
  }

  cy.on("tap", "node, edge", function (event) { show(event.target); });
  cy.on("dbltap", "node", function (event) { window.location.href = event.target.data("href"); });

  form.addEventListener("change", function (event) {
    if (event.target.type === "checkbox" && event.target.value && event.target.name !== "undated") {
      if (event.target.checked) selected.add(event.target.value); else selected.delete(event.target.value);
    }
    load(false);
  });
  document.getElementById("relations-all").addEventListener("click", function () {
    selected = new Set(Object.keys(relationLabels));
    load(false);
  });
  document.getElementById("relations-none").addEventListener("click", function () {
    selected = new Set();
    relationBox.querySelectorAll("input").forEach(function (box) { box.checked = false; });
    load(false);
  });
  window.mdkgNetwork = cy; // for the console (and the browser tests)
  load(true);
})();
