'use strict';
// The class view: one row per attempt from /api/attempts, ranked by score, sortable.
(function () {
  const tbody = document.querySelector('#attempts tbody');
  const status = document.getElementById('status');
  const preset = document.getElementById('preset');
  let rows = [];
  let sortKey = 'rank';
  let refresh = null;
  let ascending = true;

  function clock(seconds) {
    const s = Math.round(seconds);
    return Math.floor(s / 3600) + ':' + String(Math.floor(s / 60) % 60).padStart(2, '0') + ':' + String(s % 60).padStart(2, '0');
  }

  function cell(row, text) {
    const td = document.createElement('td');
    td.textContent = text;
    row.appendChild(td);
    return td;
  }

  function render() {
    const filter = document.getElementById('filter').value.trim().toLowerCase();
    const sorted = rows.filter(function (a) { return !filter || a.student.toLowerCase().includes(filter); }).sort(function (a, b) {
      const x = a[sortKey], y = b[sortKey];
      const order = x === y ? a.rank - b.rank : (x === null || x === undefined) ? 1 : (y === null || y === undefined) ? -1 : x < y ? -1 : 1;
      return ascending ? order : -order;
    });
    // A refresh while bundles are checked must not take the keyboard focus away.
    const focused = tbody.contains(document.activeElement) && document.activeElement.getAttribute('href');
    tbody.replaceChildren();
    for (const a of sorted) {
      const tr = document.createElement('tr');
      tr.dataset.id = String(a.id);
      cell(tr, String(a.rank));
      const name = document.createElement('td');
      const link = document.createElement('a');
      link.href = '/attempt?id=' + a.id;
      link.textContent = a.student;
      name.appendChild(link);
      tr.appendChild(name);
      cell(tr, a.exam);
      cell(tr, a.startedAt ? a.startedAt.replace('T', ' ').replace('Z', ' UTC') : 'unknown');
      cell(tr, clock(a.durationSeconds));
      cell(tr, a.score.toFixed(0)).className = 'score';
      cell(tr, a.zScore === null || a.zScore === undefined ? '–' : (a.zScore >= 0 ? '+' : '') + a.zScore.toFixed(2));
      const kinds = Object.keys(a.flaggedMinutes).sort().map(function (k) { return k + ' ' + a.flaggedMinutes[k].toFixed(1); });
      cell(tr, kinds.length ? kinds.join(', ') : 'none');
      cell(tr, a.integrity + (a.examIssuer === 'trusted' ? '' : ' · exam ' + a.examIssuer));
      cell(tr, Math.round(a.coverage * 100) + '%');
      cell(tr, a.reviewStatus);
      tbody.appendChild(tr);
      if (focused && link.getAttribute('href') === focused) link.focus();
    }
  }

  function histogram() {
    const box = document.getElementById('histogram');
    const bins = new Array(10).fill(0);
    for (const a of rows) bins[Math.min(9, Math.floor(a.score / 10))] += 1;
    const most = Math.max(1, Math.max.apply(null, bins));
    box.replaceChildren();
    bins.forEach(function (count) {
      const bar = document.createElement('div');
      bar.className = 'bar';
      bar.style.height = (100 * count / most) + '%';
      box.appendChild(bar);
    });
    box.setAttribute('aria-label', 'Histogram of scores in tens from 0 to 100: ' +
      bins.map(function (c, i) { return (i * 10) + '–' + (i * 10 + 9) + ': ' + c; }).join(', '));
  }

  // One number input per flagged kind in the class; a value sets that kind's weight outright.
  function kindInputs() {
    const box = document.getElementById('kind-weights');
    const kinds = new Set();
    rows.forEach(function (a) { Object.keys(a.flaggedMinutes).forEach(function (k) { kinds.add(k); }); });
    Array.from(kinds).sort().forEach(function (kind) {
      if (box.querySelector('input[data-kind="' + kind + '"]')) return;
      const id = 'weight-' + kind.replace(/[^a-z0-9]/gi, '-');
      const label = document.createElement('label');
      label.htmlFor = id;
      label.textContent = kind + ' ';
      const input = document.createElement('input');
      input.type = 'number';
      input.min = '0';
      input.step = '0.1';
      input.id = id;
      input.dataset.kind = kind;
      input.addEventListener('change', load);
      box.appendChild(label);
      box.appendChild(input);
      box.appendChild(document.createTextNode(' '));
    });
  }

  function query() {
    const parts = [];
    document.querySelectorAll('#kind-weights input[data-kind]').forEach(function (input) {
      if (input.value !== '') parts.push('w.' + encodeURIComponent(input.dataset.kind) + '=' + encodeURIComponent(input.value));
    });
    if (preset.value || parts.length) parts.unshift('preset=' + encodeURIComponent(preset.value || 'default'));
    return parts.length ? '?' + parts.join('&') : '';
  }

  async function load() {
    const response = await fetch('/api/attempts' + query());
    if (!response.ok) {
      status.textContent = 'The class could not be loaded (HTTP ' + response.status + ').';
      return;
    }
    rows = await response.json();
    rows.forEach(function (a, i) { a.rank = i + 1; });
    // Bundles listed from a first look (timeline read, media not yet verified) are verified in
    // the background: ask again until every row has its real integrity result.
    const unchecked = rows.filter(function (a) { return a.integrity === 'not yet checked'; }).length;
    const text = rows.length + ' attempt(s).' + (unchecked ? ' ' + unchecked + ' not yet checked: being verified in the background.' : '');
    if (status.textContent !== text) status.textContent = text;
    document.body.dataset.checked = unchecked ? 'false' : 'true';
    clearTimeout(refresh);
    if (unchecked) refresh = setTimeout(load, 2000);
    histogram();
    kindInputs();
    render();
  }

  document.querySelectorAll('th button[data-sort]').forEach(function (button) {
    button.addEventListener('click', function () {
      const key = button.dataset.sort;
      ascending = key === sortKey ? !ascending : key !== 'score' && key !== 'zScore';
      sortKey = key;
      render();
    });
  });
  preset.addEventListener('change', load);
  document.getElementById('filter').addEventListener('input', render);
  load();
})();
