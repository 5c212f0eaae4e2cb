// A short two-tone chime made with WebAudio: no sound file to download.

let context: AudioContext | undefined;

/** Called from a gesture: browsers only let audio start after one, on each page load. True once
 * the audio runs (or never can): no need to ask again. */
export function unlockAudio(): boolean {
  try {
    context ??= new AudioContext();
    if (context.state === "running") return true;
    void context.resume();
    return false;
  } catch {
    return true; // No WebAudio: the messenger stays silent.
  }
}

export function chime(): void {
  try {
    context ??= new AudioContext();
    void context.resume();
    const now = context.currentTime;
    const oscillator = context.createOscillator();
    const gain = context.createGain();
    oscillator.type = "sine";
    oscillator.frequency.setValueAtTime(880, now);
    oscillator.frequency.setValueAtTime(1320, now + 0.09);
    gain.gain.setValueAtTime(0.0001, now);
    gain.gain.exponentialRampToValueAtTime(0.12, now + 0.02);
    gain.gain.exponentialRampToValueAtTime(0.0001, now + 0.3);
    oscillator.connect(gain).connect(context.destination);
    oscillator.start(now);
    oscillator.stop(now + 0.32);
  } catch {
    // Audio is a nicety; never let it break the chat.
  }
}
