// The auditors' console, served by the audit service at /console/.
import '../shared/fonts.ts';
import './auditor.css';
import { registerRoutes } from '../shared/shell.ts';
import { AUDITOR_ROUTES } from './routes.ts';

registerRoutes(AUDITOR_ROUTES);
