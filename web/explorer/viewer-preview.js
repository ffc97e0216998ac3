import {ApiError, errorMessage, isAbort} from '../lib/api.js';
import {first, number, Tag} from '../lib/dicom-json.js';
import {createLimiter} from '../lib/limiter.js';

const kInstancePage = 1000;
const kCacheSize = 48;
const kPrefetch = 3;
const kWheelNotch = 50;    // |deltaY| of one mouse-wheel notch, at least
const kTrackpadStep = 30;  // pixels of trackpad travel per image

// A simple image preview of one series: every frame of every instance (sorted
// by InstanceNumber) as server-rendered JPEGs, moved through with the wheel,
// the arrow / Page / Home / End keys or the slider. Frames are fetched with the
// session's token (so <img> shows blob: URLs), a few ahead, and cached.
export class FramePreview {
  constructor({api, config, elements}) {
    this.api_ = api;
    this.config_ = config;
    this.el_ = elements;
    this.frames_ = [];
    this.index_ = 0;
    this.cache_ = new Map();  // frame URL → Promise<blob URL>, in use order
    this.controller_ = null;
    this.wheel_ = 0;
    this.limit_ = createLimiter(3);
    this.bind_();
  }

  // Shows `series` (its DICOM JSON) of `studyUid`. Resolves when the first frame is requested.
  async show(studyUid, series) {
    this.clear();
    const controller = new AbortController();
    this.controller_ = controller;
    const seriesUid = first(series, Tag.SeriesInstanceUID);
    this.base_ = `${this.config_.pacsRoot}/studies/${encodeURIComponent(studyUid)}/series/${
      encodeURIComponent(seriesUid)}`;
    this.setMessage_('Loading images…');
    let instances;
    try {
      instances = await this.loadInstances_(controller.signal);
    } catch (error) {
      if (isAbort(error)) return;
      this.setMessage_(`Could not list the images: ${error.message}`);
      return;
    }
    if (controller.signal.aborted) return;
    this.frames_ = framesOf(instances);
    if (this.frames_.length === 0) {
      this.setMessage_('This series holds no images.');
      return;
    }
    this.el_.slider.max = String(this.frames_.length);
    this.el_.slider.disabled = this.frames_.length < 2;
    this.setIndex_(0);
  }

  // Stops loading and frees the cached images.
  clear() {
    this.controller_?.abort();
    this.controller_ = null;
    // The abort above rejects the images still loading: nothing to free for them.
    for (const promise of this.cache_.values()) {
      promise.then((url) => url && URL.revokeObjectURL(url), () => {});
    }
    this.cache_.clear();
    this.frames_ = [];
    this.index_ = 0;
    this.el_.image.hidden = true;
    this.el_.image.removeAttribute('src');
    this.el_.slider.value = '1';
    this.el_.slider.max = '1';
    this.el_.slider.disabled = true;
    this.el_.position.textContent = '–';
    this.el_.caption.textContent = '';
    this.setMessage_('');
  }

  setCaption(text) {
    this.el_.caption.textContent = text;
  }

  async loadInstances_(signal) {
    const all = [];
    for (let offset = 0; ; offset += kInstancePage) {
      const query = new URLSearchParams({limit: String(kInstancePage), offset: String(offset)});
      query.append('includefield', Tag.NumberOfFrames);
      query.append('includefield', Tag.InstanceNumber);
      const response = await this.api_.fetch(`${this.base_}/instances?${query}`, {
        headers: {Accept: 'application/dicom+json'},
        signal,
      });
      if (!response.ok) throw new ApiError(await errorMessage(response), response.status);
      const page = response.status === 204 ? [] : await response.json();
      all.push(...page);
      if (page.length < kInstancePage) return all;
    }
  }

  bind_() {
    const {stage, slider} = this.el_;
    stage.addEventListener('wheel', (event) => {
      if (this.frames_.length < 2) return;
      event.preventDefault();
      // A mouse notch moves one image; trackpads send small deltas that add up.
      const delta = event.deltaY;
      if (event.deltaMode !== 0 || Math.abs(delta) >= kWheelNotch) {
        this.wheel_ = 0;
        this.step_(Math.sign(delta));
        return;
      }
      this.wheel_ += delta;
      if (Math.abs(this.wheel_) < kTrackpadStep) return;
      this.step_(Math.sign(this.wheel_));
      this.wheel_ = 0;
    }, {passive: false});
    stage.addEventListener('keydown', (event) => {
      const last = this.frames_.length - 1;
      const moves = {
        ArrowDown: 1, ArrowRight: 1, ArrowUp: -1, ArrowLeft: -1, PageDown: 10, PageUp: -10,
      };
      if (event.key in moves) this.step_(moves[event.key]);
      else if (event.key === 'Home') this.setIndex_(0);
      else if (event.key === 'End') this.setIndex_(last);
      else return;
      event.preventDefault();
    });
    slider.addEventListener('input', () => this.setIndex_(Number(slider.value) - 1));
  }

  step_(delta) {
    if (this.frames_.length === 0) return;
    this.setIndex_(Math.min(this.frames_.length - 1, Math.max(0, this.index_ + delta)));
  }

  async setIndex_(index) {
    if (this.frames_.length === 0) return;
    this.index_ = index;
    const total = this.frames_.length;
    this.el_.slider.value = String(index + 1);
    this.el_.position.textContent = `${index + 1} / ${total}`;
    const frame = this.frames_[index];
    this.el_.slider.setAttribute('aria-valuetext', `Image ${index + 1} of ${total}${
      frame.frames > 1 ? `, frame ${frame.frame} of instance ${frame.instanceNumber ?? ''}` : ''}`);
    try {
      const url = await this.image_(index);
      if (this.index_ !== index || !this.controller_) return;
      this.el_.image.src = url;
      this.el_.image.alt = `Image ${index + 1} of ${total}`;
      this.el_.image.hidden = false;
      this.setMessage_('');
    } catch (error) {
      if (isAbort(error) || this.index_ !== index) return;
      this.el_.image.hidden = true;
      this.setMessage_(`Image ${index + 1} could not be shown: ${error.message}`);
    }
    this.prefetch_(index);
  }

  prefetch_(index) {
    for (let d = 1; d <= kPrefetch; d += 1) {
      for (const i of [index + d, index - d]) {
        if (i >= 0 && i < this.frames_.length) this.image_(i).catch(() => {});
      }
    }
  }

  // The blob URL of frame `index`, from the cache or fetched (3 at a time).
  image_(index) {
    const frame = this.frames_[index];
    const url = `${this.base_}/instances/${encodeURIComponent(frame.sop)}/frames/${frame.frame}/rendered`;
    const cached = this.cache_.get(url);
    if (cached) {
      this.cache_.delete(url);  // re-insert: most recently used last
      this.cache_.set(url, cached);
      return cached;
    }
    const signal = this.controller_?.signal;
    const promise = this.limit_(async () => {
      const response = await this.api_.fetch(url, {headers: {Accept: 'image/jpeg'}, signal});
      if (!response.ok) throw new ApiError(await errorMessage(response), response.status);
      return URL.createObjectURL(await response.blob());
    }, signal);
    promise.catch(() => this.cache_.delete(url));
    this.cache_.set(url, promise);
    this.evict_();
    return promise;
  }

  evict_() {
    while (this.cache_.size > kCacheSize) {
      const [oldest, promise] = this.cache_.entries().next().value;
      this.cache_.delete(oldest);
      promise.then((url) => URL.revokeObjectURL(url), () => {});
    }
  }

  setMessage_(text) {
    this.el_.message.textContent = text;
  }
}

// One entry per frame: instances in InstanceNumber order, frames 1..NumberOfFrames.
export function framesOf(instances) {
  const sorted = instances.map((instance, order) => ({
    sop: first(instance, Tag.SOPInstanceUID),
    instanceNumber: number(instance, Tag.InstanceNumber),
    frames: Math.max(1, Math.floor(number(instance, Tag.NumberOfFrames) ?? 1)),
    order,
  })).filter((instance) => instance.sop);
  sorted.sort((a, b) => (a.instanceNumber ?? Infinity) - (b.instanceNumber ?? Infinity) ||
      a.order - b.order);
  const frames = [];
  for (const instance of sorted) {
    for (let frame = 1; frame <= instance.frames; frame += 1) {
      frames.push({sop: instance.sop, frame, frames: instance.frames,
        instanceNumber: instance.instanceNumber});
    }
  }
  return frames;
}
