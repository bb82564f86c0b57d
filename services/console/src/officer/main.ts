// The officers' console, served by each gateway at /console/.
import '../shared/fonts.ts';
import { registerRoutes } from '../shared/shell.ts';
import { DESK_ROUTES } from '../desk/routes.ts';
import { OFFICER_ROUTES } from './routes.ts';

registerRoutes([...OFFICER_ROUTES, ...DESK_ROUTES]);
