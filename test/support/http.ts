/**
 * A response body read as the shape the test expects. supertest types every body `any`; naming the
 * shape once, where the body is read, keeps the rest of the test typed, and a wrong guess still
 * fails the assertions that follow (the server's answer is never trusted by the type alone).
 */
export function body<T>(res: { body: unknown }): T {
  return res.body as T;
}
