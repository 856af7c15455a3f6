// wholeflow app: start the NHS design system's components and announce room events.
import { initAll } from '/static/nhsuk/nhsuk-frontend.min.js';

initAll();

const words = {
  run_queued: (d) => `Run queued: ${d.label}`,
  run_started: (d) => `Run started: ${d.label}`,
  run_finished: (d) => `Run finished: ${d.label}`,
  run_failed: (d) => `Run failed: ${d.label}`,
  run_cancelled: (d) => `Run cancelled: ${d.label}`,
  finding_added: (d) => `Finding added: ${d.text}`,
  scenario_saved: (d) => `Scenario saved: ${d.name}`,
};

// Screen readers hear what changed in the room (progress events are too frequent to read).
document.body.addEventListener('htmx:sseMessage', (e) => {
  const say = words[e.detail.type];
  const live = document.getElementById('wf-live');
  if (!say || !live) return;
  try { live.textContent = say(JSON.parse(e.detail.data)); } catch (err) { /* not JSON */ }
});

// The page says when it is listening to the room (tests and the status line wait on it).
document.body.addEventListener('htmx:sseOpen', () => { document.body.dataset.sse = 'open'; });
document.body.addEventListener('htmx:sseError', () => { document.body.dataset.sse = 'retrying'; });
