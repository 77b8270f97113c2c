it('probe', () => {
  const gm = (process as any).getBuiltinModule;
  console.log('gbm', typeof gm);
  const req = gm('node:module').createRequire(__filename);
  const k = req('@kubernetes/client-node');
  console.log(typeof k.AppsV1Api, typeof k.KubeConfig, new k.KubeConfig() instanceof k.KubeConfig);
});
