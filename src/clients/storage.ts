/** Plugin bundles in R2. Keys are built only from validated slugs and versions. */
export interface Storage {
  readonly bucket: R2Bucket;
  ping(): Promise<"ok" | "error">;
}

export function createStorage(bucket: R2Bucket): Storage {
  return {
    bucket,
    async ping() {
      try {
        // A HEAD of a key that need not exist is one cheap round trip that proves the binding works.
        await bucket.head("health/probe");
        return "ok";
      } catch {
        return "error";
      }
    },
  };
}
