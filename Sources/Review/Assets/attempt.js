'use strict';
// The attempt view: camera and screen through Media Source Extensions (fragmented-MP4
// segments cut from the sealed recording on request, docs/review.md), the timeline, the
// incident log and the dispositions.
(function () {
  const id = new URLSearchParams(location.search).get('id');
  const camera = document.getElementById('camera');
  const screen = document.getElementById('screen');
  const status = document.getElementById('status');
  let detail = null;
  let flags = [];
  let current = -1;

  function clock(seconds) {
    const s = Math.floor(seconds);
    return Math.floor(s / 3600) + ':' + String(Math.floor(s / 60) % 60).padStart(2, '0') + ':' + String(s % 60).padStart(2, '0');
  }

  function say(text) { status.textContent = text; }

  // One <video> fed segment by segment: the one holding the playhead, then the next ones.
  // A resumed session has several parts, each its own recording on the session clock (its
  // segments carry their own media times), so every part goes into the same SourceBuffer:
  // the buffer holds the parts with the gaps between them, and before a part's first segment
  // its init segment is appended (the browser then reads that part's codec set-up).
  function SegmentPlayer(video, base, parts) {
    this.video = video;
    this.base = base;
    this.parts = parts.map(function (n) { return { index: n }; });
    this.loaded = new Set();
    this.queue = Promise.resolve();
    this.duration = 0;
    this.initPart = null;
  }
  SegmentPlayer.prototype.start = async function () {
    const self = this;
    await Promise.all(this.parts.map(async function (part) {
      const init = await fetch(self.base + '/init?part=' + part.index);
      if (!init.ok) throw new Error((await init.json()).error.message);
      part.mime = init.headers.get('X-Proctor-Mime-Type');
      part.start = parseFloat(init.headers.get('X-Proctor-Start'));
      part.end = parseFloat(init.headers.get('X-Proctor-Duration'));
      part.init = await init.arrayBuffer();
    }));
    if (!this.parts.length) throw new Error('no recorded media');
    this.duration = Math.max.apply(null, this.parts.map(function (p) { return p.end; }));
    for (const part of this.parts) {
      if (!window.MediaSource || !MediaSource.isTypeSupported(part.mime)) throw new Error('this browser cannot play ' + part.mime);
    }
    const source = new MediaSource();
    this.video.src = URL.createObjectURL(source);
    await new Promise(function (resolve) { source.addEventListener('sourceopen', resolve, { once: true }); });
    this.buffer = source.addSourceBuffer(this.parts[0].mime);
    source.duration = this.duration;
    this.video.addEventListener('seeking', function () { self.ensure(self.video.currentTime); });
    this.video.addEventListener('timeupdate', function () { self.ahead(); });
    await this.ensure(Math.max(this.video.currentTime, this.parts[0].start));
  };
  // The part whose recording holds t (null in a gap between parts).
  SegmentPlayer.prototype.partAt = function (t) {
    return this.parts.find(function (p) { return p.start - 0.05 <= t && t < p.end; }) || null;
  };
  SegmentPlayer.prototype.append = function (bytes) {
    const buffer = this.buffer;
    return new Promise(function (resolve, reject) {
      buffer.addEventListener('updateend', resolve, { once: true });
      buffer.addEventListener('error', reject, { once: true });
      buffer.appendBuffer(bytes);
    });
  };
  SegmentPlayer.prototype.bufferedEnd = function (t) {
    const ranges = this.video.buffered;
    for (let i = 0; i < ranges.length; i++) {
      if (ranges.start(i) <= t + 0.05 && t < ranges.end(i)) return ranges.end(i);
    }
    return null;
  };
  SegmentPlayer.prototype.ensure = function (t) {
    const self = this;
    this.queue = this.queue.then(function () { return self.load(t); }).catch(function (e) { say('Video: ' + e.message); });
    return this.queue;
  };
  // The segment holding t, and the next one when t is near its end: a seek completes only
  // with some media after the new position.
  SegmentPlayer.prototype.load = async function (t) {
    const part = this.partAt(t);
    if (!part) return;
    t = Math.max(t, part.start);
    let end = this.bufferedEnd(t);
    if (end === null) {
      await this.fetchSegment(part, t);
      end = this.bufferedEnd(t);
    }
    if (end !== null && end - t < 1 && end < part.end - 0.05) await this.fetchSegment(part, end + 0.001);
  };
  SegmentPlayer.prototype.fetchSegment = async function (part, t) {
    const response = await fetch(this.base + '/segment?part=' + part.index + '&t=' + t.toFixed(3));
    if (!response.ok) throw new Error((await response.json()).error.message);
    const start = part.index + '@' + response.headers.get('X-Proctor-Segment-Start');
    const bytes = await response.arrayBuffer();
    if (this.loaded.has(start)) return;
    if (this.initPart !== part.index) {
      if (this.initPart !== null && this.buffer.changeType) this.buffer.changeType(part.mime);
      await this.append(part.init);
      this.initPart = part.index;
    }
    this.loaded.add(start);
    await this.append(bytes);
  };
  SegmentPlayer.prototype.ahead = function () {
    const t = this.video.currentTime;
    const part = this.partAt(t);
    const end = this.bufferedEnd(t);
    if (part && end !== null && end - t < 3 && end < part.end - 0.05) this.ensure(end + 0.001);
  };

  // Parts on the session clock, and the gaps between them (nothing was recorded there).
  let parts = [];
  let axisEnd = 0;

  // A time in a gap moves on to the start of the next part: there is nothing to show there.
  function playable(t) {
    for (const p of parts) {
      if (t < p.start) return p.start;
      if (t < p.end) return t;
    }
    return t;
  }

  function seek(t) {
    t = playable(t);
    camera.currentTime = t;
    screen.currentTime = t;
  }

  // The screen follows the camera, which carries the sound and the controls.
  camera.addEventListener('play', function () { screen.play().catch(function () {}); document.getElementById('play').textContent = 'Pause'; });
  camera.addEventListener('pause', function () { screen.pause(); document.getElementById('play').textContent = 'Play'; });
  camera.addEventListener('seeking', function () {
    const t = playable(camera.currentTime);
    if (t > camera.currentTime + 0.01) { camera.currentTime = t; return; }
    if (Math.abs(screen.currentTime - camera.currentTime) > 0.05) screen.currentTime = camera.currentTime;
  });
  // At the end of a part, playback goes on at the start of the next one (the gap is skipped).
  function acrossGap() {
    const t = camera.currentTime;
    const next = parts.find(function (p) { return p.start > t + 0.01; });
    const within = parts.find(function (p) { return p.start - 0.05 <= t && t < p.end; });
    if (next && (!within || within.end - t < 0.15)) seek(next.start);
  }
  camera.addEventListener('waiting', acrossGap);
  camera.addEventListener('timeupdate', function () {
    if (!camera.paused) acrossGap();
    if (!camera.paused && Math.abs(screen.currentTime - camera.currentTime) > 0.15) screen.currentTime = camera.currentTime;
    follow(camera.currentTime);
  });

  function follow(t) {
    document.getElementById('clock').textContent = clock(t);
    const head = document.getElementById('playhead');
    if (head && axisEnd > 0) head.style.left = (100 * t / axisEnd) + '%';
    document.querySelectorAll('#log li').forEach(function (li) {
      const on = parseFloat(li.dataset.start) <= t && t < parseFloat(li.dataset.end);
      li.classList.toggle('current', on);
      if (on) li.setAttribute('aria-current', 'true'); else li.removeAttribute('aria-current');
    });
  }

  function togglePlay() { if (camera.paused) camera.play().catch(function () {}); else camera.pause(); }

  function goToFlag(n) {
    if (!flags.length) return;
    current = Math.max(0, Math.min(flags.length - 1, n));
    const item = document.querySelectorAll('#flags > li')[current];
    document.querySelectorAll('#flags > li').forEach(function (li) { li.classList.remove('current'); });
    item.classList.add('current');
    item.querySelector('button.seek').focus();
    seek(flags[current].start);
  }

  function span(event, lane) {
    const button = document.createElement('button');
    button.type = 'button';
    button.className = 'span ' + event.severity + (event.disposition === 'dismiss' ? ' dismissed' : '');
    const end = event.end === null || event.end === undefined ? event.start : event.end;
    button.style.left = (100 * event.start / axisEnd) + '%';
    button.style.width = (100 * Math.max(0, end - event.start) / axisEnd) + '%';
    button.setAttribute('aria-label', (event.severity === 'flag' ? 'Flag ' : 'Could not evaluate: ') + event.kind + ' at ' + clock(event.start));
    button.addEventListener('click', function () { seek(event.start); });
    lane.appendChild(button);
  }

  function timeline() {
    const box = document.getElementById('timeline');
    const kinds = Array.from(new Set(detail.events.map(function (e) { return e.kind; }))).sort();
    for (const kind of kinds) {
      const lane = document.createElement('div');
      lane.className = 'lane';
      const name = document.createElement('span');
      name.className = 'lane-name';
      name.textContent = kind;
      const track = document.createElement('div');
      track.className = 'lane-track';
      detail.events.filter(function (e) { return e.kind === kind; }).forEach(function (e) { span(e, track); });
      lane.appendChild(name);
      lane.appendChild(track);
      box.appendChild(lane);
    }
    if (detail.audioLevels.length) {
      const lane = document.createElement('div');
      lane.className = 'lane';
      const name = document.createElement('span');
      name.className = 'lane-name';
      name.textContent = 'audio level';
      const track = document.createElement('div');
      track.className = 'lane-track levels';
      track.setAttribute('role', 'img');
      const loud = detail.audioLevels.filter(function (l) { return l[1] > -30; }).length;
      track.setAttribute('aria-label', 'Microphone level over the session: ' + loud + ' of ' + detail.audioLevels.length + ' readings louder than -30 dBFS');
      detail.audioLevels.forEach(function (l) {
        const bar = document.createElement('div');
        bar.className = 'level';
        bar.style.left = (100 * l[0] / axisEnd) + '%';
        bar.style.height = Math.max(0, Math.min(100, (l[1] + 90) / 90 * 100)) + '%';
        track.appendChild(bar);
      });
      lane.appendChild(name);
      lane.appendChild(track);
      box.appendChild(lane);
    }
    // The gaps between parts, hatched across every lane: nothing was recorded there.
    const gaps = document.createElement('div');
    gaps.className = 'gap-track';
    for (let i = 1; i < parts.length; i++) {
      const from = parts[i - 1].end, to = parts[i].start;
      if (to - from < 0.5) continue;
      const gap = document.createElement('div');
      gap.className = 'gap';
      gap.style.left = (100 * from / axisEnd) + '%';
      gap.style.width = (100 * (to - from) / axisEnd) + '%';
      gap.setAttribute('role', 'img');
      gap.setAttribute('aria-label', 'Gap: nothing recorded from ' + clock(from) + ' to ' + clock(to) + ', between part ' + parts[i - 1].index + ' and part ' + parts[i].index);
      gap.title = gap.getAttribute('aria-label');
      gaps.appendChild(gap);
    }
    box.appendChild(gaps);
    // Over the lanes' tracks only, so its left edge is the session's start.
    const overlay = document.createElement('div');
    overlay.className = 'playhead-track';
    const head = document.createElement('div');
    head.id = 'playhead';
    head.className = 'playhead';
    overlay.appendChild(head);
    box.appendChild(overlay);
  }

  function flagList() {
    const list = document.getElementById('flags');
    flags.forEach(function (flag, n) {
      const li = document.createElement('li');
      li.dataset.index = String(flag.index);
      const seekButton = document.createElement('button');
      seekButton.type = 'button';
      seekButton.className = 'seek';
      seekButton.textContent = clock(flag.start) + ' ' + flag.kind;
      if (flag.disposition === 'dismiss') seekButton.classList.add('dismissed-title');
      seekButton.addEventListener('click', function () { current = n; seek(flag.start); });
      li.appendChild(seekButton);
      const message = document.createElement('p');
      message.textContent = flag.message + ' ' + Object.keys(flag.measured).sort().map(function (k) { return k + ' ' + flag.measured[k]; }).join(', ')
        + (Object.keys(flag.thresholds).length ? ' (threshold ' + Object.keys(flag.thresholds).sort().map(function (k) { return k + ' ' + flag.thresholds[k]; }).join(', ') + ')' : '');
      li.appendChild(message);
      const figure = document.createElement('div');
      figure.className = 'evidence';
      ['camera', 'screen'].forEach(function (source) {
        const img = document.createElement('img');
        img.src = '/api/attempts/' + id + '/evidence/' + flag.index + '/' + source;
        img.alt = (source === 'camera' ? 'Camera' : 'Screen') + ' at ' + clock(flag.evidenceTime === null || flag.evidenceTime === undefined ? flag.start : flag.evidenceTime) + ', the evidence frame';
        img.addEventListener('error', function () { img.remove(); });
        figure.appendChild(img);
      });
      li.appendChild(figure);
      const choice = document.createElement('select');
      choice.id = 'disposition-' + n;
      choice.className = 'disposition';
      [['', 'undecided'], ['confirm', 'confirm'], ['dismiss', 'dismiss'], ['follow-up', 'needs follow-up']].forEach(function (option) {
        const o = document.createElement('option');
        o.value = option[0];
        o.textContent = option[1];
        choice.appendChild(o);
      });
      choice.value = flag.disposition || '';
      const label = document.createElement('label');
      label.htmlFor = choice.id;
      label.textContent = 'Disposition ';
      const note = document.createElement('input');
      note.type = 'text';
      note.id = 'note-' + n;
      note.className = 'note';
      note.value = flag.note || '';
      const noteLabel = document.createElement('label');
      noteLabel.htmlFor = note.id;
      noteLabel.textContent = ' Note ';
      li.appendChild(label);
      li.appendChild(choice);
      li.appendChild(noteLabel);
      li.appendChild(note);
      list.appendChild(li);
    });
  }

  function log() {
    const list = document.getElementById('log');
    for (const e of detail.events) {
      const li = document.createElement('li');
      li.dataset.start = String(e.start);
      li.dataset.end = String(e.end === null || e.end === undefined ? e.start + 1 : Math.max(e.end, e.start + 1));
      const button = document.createElement('button');
      button.type = 'button';
      button.textContent = clock(e.start) + ' ' + (e.severity === 'flag' ? 'flag ' : 'not evaluated ') + e.kind + ': ' + e.message;
      button.addEventListener('click', function () { seek(e.start); });
      li.appendChild(button);
      list.appendChild(li);
    }
  }

  function facts() {
    document.getElementById('title').textContent = detail.student + ' · ' + (detail.examTitle || detail.exam);
    document.title = detail.student + ' · attempt review · proctor';
    document.getElementById('integrity').textContent = detail.integrityLine + ' ' + detail.provenanceLines.join(' ');
    const photos = document.getElementById('photos');
    for (const kind of detail.photos) {
      const img = document.createElement('img');
      img.src = '/api/attempts/' + id + '/photo/' + kind;
      img.alt = kind === 'id' ? 'ID photo' : 'Face photo at the start of the session';
      photos.appendChild(img);
    }
    const tbody = document.querySelector('#settings tbody');
    for (const s of detail.settings) {
      const tr = document.createElement('tr');
      [s.name, s.value].forEach(function (text) { const td = document.createElement('td'); td.textContent = text; tr.appendChild(td); });
      tbody.appendChild(tr);
    }
    document.getElementById('accommodations').textContent = 'Accommodations: ' + (detail.accommodations.length ? detail.accommodations.join('; ') : 'none');
    // One number input per kind flagged in this attempt, as in the class view: saved in the
    // review file's weights beside the preset.
    const weights = document.getElementById('kind-weights');
    Object.keys(detail.examWeights).sort().forEach(function (kind) {
      const input = document.createElement('input');
      input.type = 'number';
      input.min = '0';
      input.step = '0.1';
      input.id = 'kind-weight-' + kind.replace(/[^a-z0-9]/gi, '-');
      input.dataset.kind = kind;
      const label = document.createElement('label');
      label.htmlFor = input.id;
      label.textContent = kind + ' (exam ' + detail.examWeights[kind] + ') ';
      weights.appendChild(label);
      weights.appendChild(input);
      weights.appendChild(document.createTextNode(' '));
    });
    document.getElementById('exam-weights').textContent = "The exam's signed weights: " + (Object.keys(detail.examWeights).sort()
      .map(function (k) { return k + ' ' + detail.examWeights[k]; }).join(', ') || 'no flagged kinds') + '.';
    document.getElementById('parts').textContent = 'Parts: ' + detail.parts.map(function (p, i) {
      const gap = i > 0 && p.start - detail.parts[i - 1].end >= 0.5 ? 'gap of ' + clock(p.start - detail.parts[i - 1].end) + ' not recorded, ' : '';
      return gap + 'part ' + p.index + ' ' + clock(p.start) + '–' + clock(p.end);
    }).join(', ');
    showReview();
  }

  function showReview() {
    const line = document.getElementById('review-line');
    const r = detail.review;
    line.textContent = r ? r.line + (r.scoreAfterReview !== null && r.scoreAfterReview !== undefined
      ? ' Score after review ' + r.scoreAfterReview.toFixed(0) + ' (original ' + detail.score.toFixed(0) + ').' : '') : 'Not reviewed yet. Score ' + detail.score.toFixed(0) + '.';
    line.className = r && r.status !== 'valid' ? 'problem' : '';
    if (r && r.status === 'valid') {
      document.getElementById('reviewed').checked = r.reviewed;
      document.getElementById('summary').value = r.note;
      if (r.preset) document.getElementById('preset').value = r.preset;
      document.querySelectorAll('#kind-weights input[data-kind]').forEach(function (input) {
        const saved = r.weights && r.weights[input.dataset.kind];
        input.value = saved === undefined || saved === null ? '' : saved;
      });
    }
  }

  function kindWeights() {
    const kinds = {};
    document.querySelectorAll('#kind-weights input[data-kind]').forEach(function (input) {
      if (input.value !== '' && isFinite(parseFloat(input.value))) kinds[input.dataset.kind] = parseFloat(input.value);
    });
    return kinds;
  }

  async function save() {
    const body = {
      reviewed: document.getElementById('reviewed').checked,
      note: document.getElementById('summary').value,
      weights: { preset: document.getElementById('preset').value, kinds: kindWeights() },
      flags: []
    };
    document.querySelectorAll('#flags > li').forEach(function (li, n) {
      const disposition = li.querySelector('select.disposition').value;
      if (disposition) body.flags.push({ kind: flags[n].kind, start: flags[n].start, disposition: disposition, note: li.querySelector('input.note').value });
    });
    const response = await fetch('/api/attempts/' + id + '/review', {
      method: 'PUT', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body)
    });
    const answer = await response.json();
    if (!response.ok) { say('Not saved: ' + answer.error.message); return; }
    detail = answer;
    say('Review saved and signed.');
    showReview();
  }

  document.addEventListener('keydown', function (event) {
    const typing = event.target instanceof HTMLInputElement || event.target instanceof HTMLTextAreaElement || event.target instanceof HTMLSelectElement;
    if (typing) return;
    if (event.key === 'j') { goToFlag(current + 1); event.preventDefault(); }
    else if (event.key === 'k') { goToFlag(current - 1); event.preventDefault(); }
    else if (event.key === ' ' && !(event.target instanceof HTMLButtonElement)) { togglePlay(); event.preventDefault(); }
    else if (event.key === '?') { document.getElementById('help').showModal(); event.preventDefault(); }
  });
  document.getElementById('help-open').addEventListener('click', function () { document.getElementById('help').showModal(); });
  document.getElementById('help-close').addEventListener('click', function () { document.getElementById('help').close(); });
  document.getElementById('play').addEventListener('click', togglePlay);
  document.getElementById('save').addEventListener('click', save);

  async function load() {
    const response = await fetch('/api/attempts/' + encodeURIComponent(id || ''));
    if (!response.ok) { say('This attempt could not be loaded (HTTP ' + response.status + ').'); return; }
    detail = await response.json();
    flags = detail.events.filter(function (e) { return e.severity === 'flag'; });
    parts = detail.parts.filter(function (p) { return detail.mediaParts.indexOf(p.index) >= 0; }).sort(function (a, b) { return a.start - b.start; });
    axisEnd = Math.max(detail.durationSeconds, Math.max.apply(null, detail.parts.map(function (p) { return p.end; }).concat([0])));
    facts();
    timeline();
    flagList();
    log();
    const players = [new SegmentPlayer(camera, '/api/attempts/' + id + '/media/camera', detail.mediaParts),
      new SegmentPlayer(screen, '/api/attempts/' + id + '/media/screen', detail.mediaParts)];
    try {
      await Promise.all(players.map(function (p) { return p.start(); }));
      document.body.dataset.ready = 'true';
      say('Ready.');
    } catch (e) {
      say('Video: ' + e.message);
      document.body.dataset.ready = 'error';
    }
  }
  load();
})();
