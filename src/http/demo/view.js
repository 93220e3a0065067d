// Rendering only: each function takes data and fills a part of the page. Text goes in through
// textContent, never as HTML, since titles and error messages are the user's own text.

const $ = (id) => document.getElementById(id);

/** Creates an element with a class and text. */
function element(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined) node.textContent = text;
  return node;
}

const FLOW_NAMES = {
  CROP_TO_CONTENT: 'Crop to content',
  REPLACE_ALPHA_WITH_GRAY: 'Replace transparency with gray',
  UPSCALE: 'Upscale',
  CREATE_MEDIA: 'Create media',
  VIDEO_OVERLAY: 'Overlay onto the background video',
};

export const isFinal = (status) => status === 'SUCCESS' || status === 'FAILED' || status === 'CANCELED';

function setBadge(node, status) {
  node.className = `badge status-${status.toLowerCase()}`;
  node.textContent = status;
  node.dataset.status = status;
  return node;
}

const badge = (status) => setBadge(element('span'), status);

export function showError(message) {
  const box = $('error');
  box.textContent = message ?? '';
  box.hidden = !message;
}

export function showMe(me) {
  $('me').textContent = me ? `Signed in as ${me.name}: ${me.credits} ${me.credits === 1 ? 'credit' : 'credits'} left.` : '';
}

/** A new run in the panel: its title, and the flows of its mode (PENDING) until the first event. */
export function startRun(workflow) {
  $('run-empty').hidden = true;
  $('run').hidden = false;
  $('run').dataset.workflowId = workflow.id;
  $('event-log').replaceChildren();
  $('event-count').textContent = '0';
  renderWorkflow(workflow, null);
}

function renderFlows(workflow, event) {
  const rows = workflow.completions.map((completion) => {
    const running = completion.status === 'RUNNING';
    const row = element('li', running ? 'flow running' : 'flow');
    row.dataset.flow = completion.flow;
    row.dataset.status = completion.status;
    row.append(element('span', 'flow-name', FLOW_NAMES[completion.flow] ?? completion.flow), badge(completion.status));
    if (completion.attempts > 1) row.append(element('span', 'muted', `attempt ${completion.attempts}`));
    if (running && event?.flow === completion.flow) row.append(element('span', 'flow-bar'));
    if (completion.error) row.append(element('span', 'flow-error', completion.error));
    return row;
  });
  $('flows').replaceChildren(...rows);
}

function renderResult(workflow) {
  const figure = $('result');
  const files = workflow.processingStatus === 'SUCCESS' ? workflow.mediaResult : [];
  // Keep a playing video where it is when a later event repeats the same result.
  if (figure.dataset.workflowId === workflow.id && figure.childElementCount > 0 && files.length > 0) return;
  figure.dataset.workflowId = workflow.id;
  figure.hidden = files.length === 0;
  figure.replaceChildren(
    ...files.flatMap((file) => {
      const media = file.contentType.startsWith('video/') ? element('video') : element('img');
      if (media instanceof HTMLVideoElement) {
        media.controls = true;
        // The first frame shows at once, and play starts without a wait.
        media.preload = 'auto';
        media.playsInline = true;
        media.setAttribute('aria-label', `Result video of ${workflow.title}`);
      } else {
        media.alt = `Result image of ${workflow.title}`;
      }
      media.src = file.url;
      const size = file.width ? `${file.width}×${file.height}` : '';
      const duration = file.durationMs ? `, ${(file.durationMs / 1000).toFixed(1)} s` : '';
      const caption = element('figcaption', 'muted', `${file.contentType} ${size}${duration} · `);
      const link = element('a', '', 'open');
      link.href = file.url;
      link.target = '_blank';
      link.rel = 'noopener';
      caption.append(link);
      return [media, caption];
    }),
  );
}

/** The run panel from a workflow, and the event it came with (null for the state before the first event). */
export function renderWorkflow(workflow, event) {
  $('run-title').textContent = `${workflow.title} · ${workflow.model} · ${workflow.options.pipelineMode} ${workflow.options.aspectRatio}`;
  setBadge($('run-status'), workflow.processingStatus);
  const percent = event?.progressPercentage ?? workflow.progressPercentage;
  $('run-progress').value = percent;
  $('run-percent').textContent = `${percent}%`;
  renderFlows(workflow, event);
  $('run-error').hidden = !workflow.error;
  $('run-error').textContent = workflow.error ?? '';
  renderResult(workflow);
}

function appendToLog(entry) {
  const log = $('event-log');
  log.append(entry);
  // A video run sends about a hundred events; the bound only guards the page against a runaway stream.
  while (log.childElementCount > 1000) log.firstElementChild.remove();
}

export function logEvent(event) {
  const flow = event.flow ? ` · ${event.flow} ${event.flowStatus ?? ''}` : '';
  const entry = element('li', '', `v${event.version} ${event.processingStatus} ${event.progressPercentage}%${flow}`);
  entry.dataset.flow = event.flow ?? '';
  entry.dataset.flowStatus = event.flowStatus ?? '';
  appendToLog(entry);
  $('event-count').textContent = String(Number($('event-count').textContent) + 1);
}

/** A line in the event log that is not an event (the stream dropped, say). */
export function logNote(text) {
  const entry = element('li', 'note', text);
  entry.dataset.note = 'true';
  appendToLog(entry);
}

export function showRunError(message) {
  $('run-error').hidden = !message;
  $('run-error').textContent = message ?? '';
}

/** The recent list; `onPick(id)` when one is chosen. */
export function renderRecent(workflows, currentId, onPick) {
  $('recent-empty').hidden = workflows.length > 0;
  const items = workflows.map((workflow) => {
    const item = element('li');
    const button = element('button', 'recent-item');
    button.type = 'button';
    button.dataset.workflowId = workflow.id;
    if (workflow.id === currentId) button.setAttribute('aria-current', 'true');
    const when = new Date(workflow.createdAt).toLocaleString();
    button.append(
      element('span', 'recent-title', workflow.title),
      element('span', 'muted', `${workflow.model} · ${workflow.options.pipelineMode} ${workflow.options.aspectRatio} · ${when}`),
      badge(workflow.processingStatus),
    );
    button.addEventListener('click', () => onPick(workflow.id));
    item.append(button);
    return item;
  });
  $('recent').replaceChildren(...items);
}

/** Fills a <select> with options, keeping the current choice when it is still offered. */
export function fillSelect(select, options) {
  const previous = select.value;
  select.replaceChildren(...options.map(({ value, label }) => Object.assign(element('option', '', label), { value })));
  if (options.some((option) => option.value === previous)) select.value = previous;
}

export function showSource(file) {
  const preview = $('source-preview');
  if (preview.src) URL.revokeObjectURL(preview.src);
  preview.hidden = !file;
  if (file) preview.src = URL.createObjectURL(file);
  else preview.removeAttribute('src');
  $('source-name').textContent = file
    ? `${file.name} (${Math.ceil(file.size / 1024)} KB): drop another to replace it`
    : 'Drop an image here, or click to choose one (PNG, JPEG, WebP, AVIF, TIFF)';
}
