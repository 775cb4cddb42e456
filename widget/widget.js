/*
 * Shop assistant chat widget. A shop embeds it with one tag:
 *
 *   <script src="https://assistant.example/widget/widget.js" data-rasa-url="https://assistant.example" defer></script>
 *
 * This file stays a classic script so it runs in any page. The widget itself is the ES modules beside
 * it (lib/, vendor/), loaded with import(): nothing is added to the page's globals, and the
 * socket.io client cannot clash with a copy the shop may use itself.
 */
(function () {
  "use strict";
  var script = document.currentScript;
  if (!script || !script.src) return;
  var options = {};
  for (var key in script.dataset) options[key] = script.dataset[key];
  var base = new URL(".", script.src).href;
  import(base + "lib/main.js")
    .then(function (main) {
      main.start(options);
    })
    .catch(function (error) {
      console.error("Shop assistant widget could not start:", error);
    });
})();
