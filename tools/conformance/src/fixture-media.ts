// Smallest valid media the conformance suite's content checks accept, the same bytes the suite's reference
// server uses: a 1x1 red PNG and a WAV header with one silent sample.

/** A 1x1 red pixel, PNG, base64. */
export const TEST_IMAGE_BASE64 =
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8DwHwAFBQIAX8jx0gAAAABJRU5ErkJggg==';

/** A minimal mono 16-bit WAV file, base64. */
export const TEST_AUDIO_BASE64 = 'UklGRiYAAABXQVZFZm10IBAAAAABAAEAQB8AAAB9AAACABAAZGF0YQIAAAA=';
