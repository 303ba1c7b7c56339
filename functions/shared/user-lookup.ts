/** GET of one user, shared by GET /users/{username} and GET /users?username=. */
import { notFound, respond, type HttpResponse, type Request } from "./http.ts";
import { publicUser, type UserStore } from "./users.ts";
import { githubUsername } from "./validation.ts";

export async function userResponse(users: UserStore, raw: unknown, field: string, req: Request): Promise<HttpResponse> {
  const username = githubUsername(raw, field);
  const item = await users.get(username);
  if (!item) throw notFound(`user ${username}`);
  return respond(200, publicUser(item), req.requestId);
}
