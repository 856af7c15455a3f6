// wholeflow: draw the plotly figures of a page (system map, diagnostics, SPC charts).
// Each figure is a <div data-figure="ID"> with its JSON in <script type="application/json" id="ID">.
// On the system map, choosing a service circle loads its panel beside the map (the same panel
// the keyboard-accessible list of services opens).
(function () {
  'use strict';

  function draw(root) {
    if (!window.Plotly) return;
    (root || document).querySelectorAll('[data-figure]').forEach(function (el) {
      var data = document.getElementById(el.getAttribute('data-figure'));
      if (!data || el.dataset.drawn === data.textContent.length + '') return;
      var fig;
      try { fig = JSON.parse(data.textContent); } catch (e) { return; }
      var layout = fig.layout || {};
      delete layout.width;  // fill the column
      layout.autosize = true;
      window.Plotly.newPlot(el, fig.data || [], layout,
        { responsive: true, displaylogo: false, displayModeBar: false }).then(function () {
          el.dataset.drawn = data.textContent.length + '';
          // plotly's own SVG is decoration: the figure's role and label are on the container
          el.querySelectorAll('svg').forEach(function (svg) { svg.setAttribute('aria-hidden', 'true'); });
          if (el.id === 'system-map') wireMap(el);
          el.dispatchEvent(new CustomEvent('wf:drawn', { bubbles: true }));
        });
    });
  }

  function wireMap(el) {
    el.on('plotly_click', function (ev) {
      var point = ev.points && ev.points[0];
      if (!point || !point.data || point.data.name !== 'services') return;
      var sid = point.customdata[0];
      var link = document.querySelector('#service-list a[data-service="' + sid + '"]');
      if (link) link.click();  // the same request the list makes (htmx, or a page load)
    });
  }

  // after the panel loads, move focus to it so keyboard and screen-reader users land there
  document.addEventListener('htmx:afterSwap', function (ev) {
    var target = ev.detail && ev.detail.target;
    if (!target) return;
    draw(target);
    if (target.id === 'service-panel') {
      document.querySelectorAll('#service-list a').forEach(function (a) { a.removeAttribute('aria-current'); });
      var heading = target.querySelector('#service-name');
      var sid = heading ? heading.getAttribute('data-service') : '';
      var chosen = document.querySelector('#service-list a[data-service="' + sid + '"]');
      if (chosen) chosen.setAttribute('aria-current', 'true');
      target.focus();
    }
  });

  window.wholeflowDraw = draw;
  if (document.readyState === 'loading') {
    document.addEventListener('DOMContentLoaded', function () { draw(); });
  } else {
    draw();
  }
})();
