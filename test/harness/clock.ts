// Archive and dump names have one-second resolution: a night started in the same second as the
// last one would want its name. Waiting for the next whole second is enough, and costs half a
// second on average where a fixed pause of more than a second cost all of it.

/** Waits until the clock has passed into the next whole second: whatever was named before now, what is named after it gets a later second. */
export async function nextSecond(): Promise<void> {
  const wait = 1000 - (Date.now() % 1000) + 20;
  await new Promise((r) => setTimeout(r, wait));
}
