import { describe, expect, it } from 'vitest';
import { pythonImageRequest, pythonImageTag } from './python-image.ts';

describe('the Python image a flytekit task gets', () => {
  it("takes Python from flytekit's default image tag and flytekit from the template's runtime version", () => {
    expect(pythonImageRequest('cr.flyte.org/flyteorg/flytekit:py3.11-1.16.31', '1.16.31', '3.12')).toEqual({ python: '3.11', flytekit: '1.16.31' });
    // The template's version wins over the tag's; a custom image uses the host's Python.
    expect(pythonImageRequest('cr.flyte.org/flyteorg/flytekit:py3.10-1.15.0', '1.16.2', '3.12')).toEqual({ python: '3.10', flytekit: '1.16.2' });
    expect(pythonImageRequest('ghcr.io/me/app:v3', '1.16.31', '3.12')).toEqual({ python: '3.12', flytekit: '1.16.31' });
  });

  it('gives none for a flytekit that cannot be installed from the package index', () => {
    expect(pythonImageRequest('cr.flyte.org/flyteorg/flytekit:py3.11-latest', '0.0.0+develop', '3.11')).toBeUndefined();
    expect(pythonImageRequest('ghcr.io/me/app:v3', '', '3.11')).toBeUndefined();
    expect(pythonImageRequest('ghcr.io/me/app:v3', '1.16.0; rm -rf /', '3.11')).toBeUndefined();
  });

  it('names one image per Python and flytekit version', () => {
    expect(pythonImageTag({ python: '3.11', flytekit: '1.16.31' })).toMatch(/^tflyte-sandbox-flytekit:py3\.11-1\.16\.31-r\d+$/);
  });
});
