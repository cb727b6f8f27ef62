'use strict';
// A deliberately leaky unit: this test fails, and its message says where.
const { handleAndForget } = require('../src/sessions');

test('handling a request closes its session', async () => {
  await expect(() => handleAndForget(1)).not.toLeak();
});
