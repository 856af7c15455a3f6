// wholeflow replay: animate the frames of a stays table on the map (SVG).
// Frames come from the page (<script id="replay-data">): per step, the people in view with
// their place and state, and per place the counts. Dots glide between steps; a day clock,
// play / pause / step / speed buttons and keys (space, arrows) drive it.
(function () {
  'use strict';
  var NS = 'http://www.w3.org/2000/svg';
  var W = 1200, H = 640, LEFT = 130, RIGHT = 120;
  var COLOURS = { in_care: '#005eb8', delayed: '#ed8b00', waiting: '#ffffff', left: '#768692' };
  var source = document.getElementById('replay-data');
  var svg = document.getElementById('replay-stage');
  if (!source || !svg) return;
  var data = JSON.parse(source.textContent);
  var frames = data.frames, states = data.states, places = data.placeInfo;
  var clock = document.getElementById('replay-clock');
  var playButton = document.getElementById('replay-play');
  var speedSelect = document.getElementById('replay-speed');
  var countsBody = document.querySelector('#replay-counts tbody');
  var still = window.matchMedia && window.matchMedia('(prefers-reduced-motion: reduce)').matches;
  var start = Date.parse(data.start.length === 19 ? data.start : data.start.slice(0, 19));
  var k = 0, playing = false, timer = null, dots = new Map(), centres = [], countText = [], queueBar = [];

  function el(name, attrs, parent) {
    var node = document.createElementNS(NS, name);
    Object.keys(attrs).forEach(function (a) { node.setAttribute(a, attrs[a]); });
    if (parent) parent.appendChild(node);
    return node;
  }

  // the map: services as circles sized by the most people they hold in the window, exits
  // as squares; each column of the map is stacked with room for a name above and counts below
  var peak = places.map(function () { return 0; });
  frames.forEach(function (f) {
    places.forEach(function (p, i) {
      var c = f.c[p.id];
      if (c) peak[i] = Math.max(peak[i], c.in_care + c.delayed + c.left);
    });
  });
  var radius = places.map(function (p, i) {
    return p.kind === 'service' ? Math.max(22, 4.1 * Math.sqrt(peak[i] + 1) + 8) : Math.max(18, 3 * Math.sqrt(peak[i] + 1) + 8);
  });
  var columns = {};
  places.forEach(function (p, i) { (columns[p.x] = columns[p.x] || []).push(i); });
  var ROOM = 46, tallest = 0;
  Object.keys(columns).forEach(function (x) {
    columns[x].sort(function (a, b) { return places[a].y - places[b].y; });
    var h = columns[x].reduce(function (sum, i) { return sum + 2 * radius[i] + ROOM; }, 0);
    tallest = Math.max(tallest, h);
  });
  H = Math.max(420, tallest + 40);
  svg.setAttribute('viewBox', '0 0 ' + W + ' ' + H);
  Object.keys(columns).forEach(function (x) {
    var ids = columns[x];
    var h = ids.reduce(function (sum, i) { return sum + 2 * radius[i] + ROOM; }, 0);
    var y = (H - h) / 2;
    ids.forEach(function (i) {
      centres[i] = { x: LEFT + parseFloat(x) * (W - LEFT - RIGHT), y: y + 24 + radius[i] };
      y += 2 * radius[i] + ROOM;
    });
  });
  var routes = el('g', {}, svg), ground = el('g', {}, svg), layer = el('g', {}, svg);
  var index = {};
  places.forEach(function (p, i) { index[p.id] = i; });
  (data.routes || []).forEach(function (pair) {  // the map's routes, faint, under everything
    var a = centres[index[pair[0]]], b = centres[index[pair[1]]];
    if (!a || !b) return;
    var bend = a.x >= b.x ? 60 : 0;  // backwards routes arc over the others
    el('path', { d: 'M' + a.x + ' ' + a.y + ' Q' + ((a.x + b.x) / 2) + ' ' + ((a.y + b.y) / 2 - bend) +
      ' ' + b.x + ' ' + b.y, fill: 'none', stroke: '#d8dde0', 'stroke-width': 1.5 }, routes);
  });
  places.forEach(function (p, i) {
    var x = centres[i].x, y = centres[i].y, r = radius[i];
    if (p.kind === 'service') {
      el('circle', { cx: x, cy: y, r: r, fill: '#f0f4f5', stroke: '#aeb7bd', 'stroke-width': 1.5 }, ground);
      // the queue: a bar beside the service, three units per person waiting for it
      queueBar[i] = el('rect', { x: x - r - 14, y: y + r, width: 7, height: 0, fill: '#4c6272' }, ground);
    } else {
      el('rect', { x: x - r, y: y - r, width: 2 * r, height: 2 * r, fill: '#f0f4f5', stroke: '#aeb7bd' }, ground);
    }
    var label = el('text', { x: x, y: y - r - 7, 'text-anchor': 'middle', 'font-size': 13, 'font-weight': 600, fill: '#212b32' }, ground);
    label.textContent = p.label.split(' (')[0];
    countText[i] = el('text', { x: x, y: y + r + 16, 'text-anchor': 'middle', 'font-size': 12, fill: '#212b32' }, ground);
  });

  function slot(place, state, j) {
    var c = centres[place];
    if (state === 'waiting') {  // a queue in columns of ten to the left of the service
      return { x: c.x - radius[place] - 24 - Math.floor(j / 10) * 7, y: c.y - 32 + (j % 10) * 7 };
    }
    var r = 3.9 * Math.sqrt(j + 0.5), a = j * 2.39996;  // a sunflower: dense, no overlaps
    return { x: c.x + r * Math.cos(a), y: c.y + r * Math.sin(a) };
  }

  function targets(frame) {
    // people in care fill each circle from the centre; delayed people ring them outside
    var inCare = {}, seen = {}, out = new Map(), n;
    for (n = 0; n < frame.p.length; n++) {
      if (states[frame.s[n]] === 'in_care') inCare[frame.l[n]] = (inCare[frame.l[n]] || 0) + 1;
    }
    for (n = 0; n < frame.p.length; n++) {
      var state = states[frame.s[n]], key = frame.l[n] + ':' + state;
      var j = seen[key] || 0;
      seen[key] = j + 1;
      var at = slot(frame.l[n], state, state === 'delayed' ? j + (inCare[frame.l[n]] || 0) : j);
      at.state = state;
      out.set(frame.p[n], at);
    }
    return out;
  }

  function dot(person) {
    var d = dots.get(person);
    if (!d) {
      d = { node: el('rect', { width: 5, height: 5 }, layer), x: null, y: null };
      dots.set(person, d);
    }
    return d;
  }

  function style(d, state) {
    var n = d.node;
    n.setAttribute('rx', state === 'delayed' ? 0 : 2.5);
    n.setAttribute('fill', COLOURS[state]);
    n.setAttribute('stroke', state === 'waiting' ? '#4c6272' : 'none');
    n.setAttribute('stroke-width', state === 'waiting' ? 1.2 : 0);
  }

  function place(d, x, y) {
    d.node.setAttribute('x', (x - 2.5).toFixed(1));
    d.node.setAttribute('y', (y - 2.5).toFixed(1));
  }

  function show(index, duration) {
    k = Math.max(0, Math.min(frames.length - 1, index));
    var frame = frames[k], goal = targets(frame), moves = [];
    dots.forEach(function (d, person) {
      if (!goal.has(person)) { d.node.remove(); dots.delete(person); }
    });
    goal.forEach(function (at, person) {
      var d = dot(person);
      style(d, at.state);
      if (d.x === null) { d.x = at.x; d.y = at.y; }
      moves.push({ d: d, x0: d.x, y0: d.y, x1: at.x, y1: at.y });
      d.x = at.x; d.y = at.y;
    });
    tween(moves, still ? 0 : duration);
    tell(frame);
  }

  function tween(moves, duration) {
    var began = performance.now();
    function stepTween(now) {
      var f = duration > 0 ? Math.min(1, (now - began) / duration) : 1;
      var e = f < 0.5 ? 2 * f * f : 1 - Math.pow(-2 * f + 2, 2) / 2;
      moves.forEach(function (m) { place(m.d, m.x0 + (m.x1 - m.x0) * e, m.y0 + (m.y1 - m.y0) * e); });
      if (f < 1) requestAnimationFrame(stepTween);
    }
    if (duration > 0) requestAnimationFrame(stepTween); else stepTween(began);
  }

  function tell(frame) {
    var when = new Date(start + frame.t * 86400000);
    var words = when.toLocaleString('en-GB', { weekday: 'short', day: 'numeric', month: 'short',
      year: 'numeric', hour: '2-digit', minute: '2-digit' });
    clock.textContent = 'Day ' + frame.t.toFixed(2) + ' of ' + frames[frames.length - 1].t + ' · ' + words;
    clock.setAttribute('data-day', String(frame.t));
    var rows = [];
    places.forEach(function (p, i) {
      var c = frame.c[p.id] || { in_care: 0, delayed: 0, waiting: 0, left: 0 };
      if (p.kind === 'service') {
        countText[i].textContent = (c.in_care + c.delayed) + ' here · ' + c.delayed + ' delayed · ' + c.waiting + ' waiting';
        var tall = Math.min(3 * c.waiting, 2 * radius[i] + 40);
        queueBar[i].setAttribute('height', tall.toFixed(1));
        queueBar[i].setAttribute('y', (centres[i].y + radius[i] - tall).toFixed(1));
        rows.push('<tr class="nhsuk-table__row"><th scope="row" class="nhsuk-table__cell">' + escapeText(p.label) +
          '</th><td class="nhsuk-table__cell nhsuk-table__cell--numeric">' + c.in_care +
          '</td><td class="nhsuk-table__cell nhsuk-table__cell--numeric">' + c.delayed +
          '</td><td class="nhsuk-table__cell nhsuk-table__cell--numeric">' + c.waiting + '</td></tr>');
      } else {
        countText[i].textContent = c.left ? c.left + ' just left' : '';
      }
    });
    if (countsBody) countsBody.innerHTML = rows.join('');
  }

  function escapeText(text) {
    return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
  }

  function interval() { return 500 / parseFloat(speedSelect.value || '1'); }

  function tick() {
    if (!playing) return;
    if (k >= frames.length - 1) { pause(); return; }
    show(k + 1, interval() * 0.9);
    timer = setTimeout(tick, interval());
  }

  function play() {
    if (k >= frames.length - 1) show(0, 0);
    playing = true;
    playButton.textContent = 'Pause';
    playButton.setAttribute('aria-pressed', 'true');
    timer = setTimeout(tick, interval());
  }

  function pause() {
    playing = false;
    clearTimeout(timer);
    playButton.textContent = 'Play';
    playButton.setAttribute('aria-pressed', 'false');
  }

  function toggle() { if (playing) pause(); else play(); }

  playButton.addEventListener('click', toggle);
  document.getElementById('replay-step').addEventListener('click', function () { pause(); show(k + 1, 200); });
  document.getElementById('replay-back').addEventListener('click', function () { pause(); show(k - 1, 200); });
  svg.addEventListener('keydown', function (ev) {
    if (ev.key === ' ' || ev.key === 'Spacebar') { ev.preventDefault(); toggle(); }
    else if (ev.key === 'ArrowRight') { ev.preventDefault(); pause(); show(k + 1, 200); }
    else if (ev.key === 'ArrowLeft') { ev.preventDefault(); pause(); show(k - 1, 200); }
  });
  show(0, 0);
})();
